/**
 * The library's public face: every stage returns plain data.
 *
 * The commands (`buildProject`, `backfillProject`, `catchUpProject`, their `plan*` forms,
 * `testProject`, `verifyProject`, `projectStatus`, `compileModels`, `initProject`,
 * `sourceFreshness`) are `async`: bad input (a missing project, a bad date or selection)
 * rejects their Promise, never throws synchronously. Dates are {@link DateInput}s:
 * `'YYYY-MM-DD'`, a `Date` or epoch milliseconds, each naming a UTC day.
 *
 * The stages under them are synchronous and throw: `openProject`, `loadProject`,
 * `compileProject`, `renderModel`, `selectNodes`, `planBuild`, `resolveTarget`,
 * `parseTarget`, `parseDay`, `parseDateInput`, `defaultBuildDate` and the window helpers
 * (pure, or blocking reads of the project's files). `openEngine` and `readWarehouseState`
 * talk to a database and are async.
 *
 * Options are camelCase; the result objects the CLI prints as they are with `--json`
 * ({@link RunSummary}, in `summary`) keep its snake_case keys.
 *
 * @packageDocumentation
 */
export {
  buildProject,
  planBuildProject,
  backfillProject,
  planBackfillProject,
  catchUpProject,
  planCatchUpProject,
  defaultBuildDate,
  type BuildOptions,
  type BackfillOptions,
  type CatchUpOptions,
  type RunResult,
} from './api/build.js';
export { parseDateInput, type DateInput } from './api/date-input.js';
export type { RunOptions } from './api/run-command.js';
export type { RetryPolicy } from './execute/retry.js';
export type { Drift } from './api/ledger-integrity.js';
export { testProject, type TestOptions, type TestSummary } from './api/test.js';
export {
  verifyProject,
  type VerifyOptions,
  type VerifySummary,
  type WindowCheck,
} from './api/verify.js';
export { initProject } from './api/init.js';
export {
  projectStatus,
  type ModelStatus,
  type StatusOptions,
  type StatusRange,
  type WindowState,
  type WindowStatus,
} from './api/status.js';
export {
  sourceFreshness,
  type FreshnessOptions,
  type SourceFreshness,
} from './api/source-freshness.js';
export type { TestResult } from './testing/test-result.js';
export type { Statement, Purpose } from './materialize/statement.js';
export type { PlannedStatements } from './execute/plan-statements.js';
export {
  compileModels,
  type CompileModelsOptions,
  type CompiledModels,
  type RenderedModel,
} from './api/compile.js';
export { openProject, resolveTarget, type ProjectOptions } from './api/open-project.js';
export { loadProject } from './project/load-project.js';
export type { Project, ProjectConfig, ModelFile, SeedFile } from './project/project.js';
export {
  compileProject,
  renderModel,
  type CompileOptions,
  type RenderOptions,
} from './compile/compile-project.js';
export type {
  CompiledGraph,
  CompiledModel,
  CompiledSeed,
  CompiledNode,
} from './compile/compiled-graph.js';
export { selectNodes, type SelectionContext } from './compile/selection.js';
export { Graph } from './compile/graph.js';
export type { ModelConfig, Materialization } from './compile/model-config.js';
export { planBuild } from './plan/plan-build.js';
export type { PlanOptions } from './plan/plan-steps.js';
export type {
  Plan,
  Step,
  StepKind,
  ModelWindows,
  Acceptance,
  SkippedNode,
  WindowReason,
} from './plan/plan.js';
export * from './time/window.js';
export { parseDay } from './time/dates.js';
export { openEngine } from './engine/open-engine.js';
export { parseTarget, type Target } from './engine/target.js';
export type { Engine, Connection, Row, Column } from './engine/adapter.js';
export { readWarehouseState, type WarehouseState } from './state/warehouse-state.js';
export type { RunSummary, ModelSummary, StepResult, Failure } from './execute/run-summary.js';
export type { Reporter } from './execute/reporter.js';
export * from './errors.js';
