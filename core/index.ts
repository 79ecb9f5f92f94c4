/** The library's public face: every stage returns plain data. */
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
} from './api/build.js';
export type { RunOptions } from './api/run-command.js';
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
export type { TestResult } from './testing/test-result.js';
export type { Statement, Purpose } from './materialize/statement.js';
export type { PlannedStatements } from './execute/plan-statements.js';
export { compileModels, type RenderedModel } from './api/compile.js';
export { openProject, resolveTarget, type ProjectOptions } from './api/open-project.js';
export { loadProject } from './project/load-project.js';
export type { Project, ProjectConfig, ModelFile, SeedFile } from './project/project.js';
export { compileProject, renderModel } from './compile/compile-project.js';
export type {
  CompiledGraph,
  CompiledModel,
  CompiledSeed,
  CompiledNode,
} from './compile/compiled-graph.js';
export { selectNodes } from './compile/selection.js';
export { Graph } from './compile/graph.js';
export type { ModelConfig, Materialization } from './compile/model-config.js';
export { planBuild } from './plan/plan-build.js';
export type { Plan, Step, StepKind, ModelWindows, Acceptance } from './plan/plan.js';
export * from './time/window.js';
export { parseDay } from './time/dates.js';
export { openEngine } from './engine/open-engine.js';
export { parseTarget, type Target } from './engine/target.js';
export type { Engine, Connection, Row, Column } from './engine/adapter.js';
export { readWarehouseState, type WarehouseState } from './state/warehouse-state.js';
export type { RunSummary, StepResult, Failure } from './execute/run-summary.js';
export type { Reporter } from './execute/reporter.js';
export * from './errors.js';
