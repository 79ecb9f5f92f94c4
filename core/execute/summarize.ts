import type { CompiledGraph } from '../compile/compiled-graph.js';
import type { Plan } from '../plan/plan.js';
import type { Failure, ModelSummary, RunSummary, StepResult } from './run-summary.js';

/** The run's window counts, across models. */
type Partitions = RunSummary['partitions'];

/**
 * Turn step results into the run summary of DESIGN §6. The run ends now (`now()`, epoch ms)
 * and started `durationMs` before.
 */
export function summarize(
  command: string,
  runId: string,
  durationMs: number,
  plan: Plan,
  results: readonly StepResult[],
  compiled: CompiledGraph,
  now: () => number = Date.now,
): RunSummary {
  const finished = now();
  const models = new Map<string, ModelSummary>();
  const partitions: Partitions = {
    built: 0,
    skipped: 0,
    failed: 0,
    upstream_failed: 0,
    not_run: 0,
  };
  const failures: Failure[] = [];
  for (const r of results) {
    countResult(modelOf(models, compiled, r.step.model), partitions, r);
    if (r.status === 'failed') failures.push(failureOf(r));
  }
  const checks = failedChecks(results);
  countNotPlanned(models, compiled, partitions, plan);
  return {
    command,
    status:
      checks.length === 0 &&
      results.every((r) => r.status === 'success' || r.status === 'unchanged')
        ? 'success'
        : 'failed',
    run_id: runId,
    started_at: new Date(finished - Math.round(durationMs)).toISOString(),
    finished_at: new Date(finished).toISOString(),
    duration_ms: Math.round(durationMs),
    partitions,
    models: [...models.values()],
    failures: [...failures, ...checks],
    warnings: warningsOf(results),
  };
}

/** A model's totals, at zero when first met: the summary lists models in that order. */
function modelOf(
  models: Map<string, ModelSummary>,
  compiled: CompiledGraph,
  name: string,
): ModelSummary {
  let m = models.get(name);
  if (!m) {
    const node = compiled.nodes.get(name);
    m = {
      name,
      materialized: node?.kind === 'model' ? node.config.materialized : 'seed',
      built: 0,
      skipped: 0,
      failed: 0,
      upstream_failed: 0,
      not_run: 0,
      rows: 0,
    };
    models.set(name, m);
  }
  return m;
}

/**
 * Count a step's windows (1 for an unwindowed step) in its model's totals and, for a windowed
 * step, in the run's partitions. A step an interrupt kept from starting is `not_run`. A full
 * refresh's swap is a build of its model, but its row count is the whole table's, already
 * counted window by window: its rows are not added again.
 */
function countResult(m: ModelSummary, partitions: Partitions, r: StepResult): void {
  const units = Math.max(1, r.step.windows.length);
  const windowed = r.step.kind === 'incremental' || r.step.kind === 'upsert';
  if (r.status === 'cancelled') {
    m.not_run += units;
    if (windowed) partitions.not_run += units;
    return;
  }
  if (r.status === 'unchanged') {
    m.skipped += units;
    if (windowed) partitions.skipped += units;
  } else if (r.status === 'success') {
    m.built += units;
    if (r.step.kind !== 'swap') m.rows += r.rows;
    if (windowed) partitions.built += units;
  } else if (r.status === 'failed') {
    m.failed += units;
    if (windowed) partitions.failed += units;
  } else {
    m.upstream_failed += units;
    if (windowed) partitions.upstream_failed += units;
  }
}

/**
 * A failed step as the summary lists it: its window is what follows `@` in the step's id,
 * and the span of its windows as ISO times.
 */
function failureOf(r: StepResult): Failure {
  const { windows } = r.step;
  const first = windows[0];
  const last = windows[windows.length - 1];
  return {
    model: r.step.model,
    window: r.step.id.includes('@') ? r.step.id.slice(r.step.id.indexOf('@') + 1) : undefined,
    from: first === undefined ? null : new Date(first.start).toISOString(),
    to: last === undefined ? null : new Date(last.end).toISOString(),
    code: r.error?.code ?? 'E_FAILED',
    error: r.error?.message ?? 'failed',
  };
}

/**
 * Count as skipped what the plan left out: windows already done, and skipped models with no
 * windows in the plan (a model with windows there is counted by its done windows).
 */
function countNotPlanned(
  models: Map<string, ModelSummary>,
  compiled: CompiledGraph,
  partitions: Partitions,
  plan: Plan,
): void {
  for (const w of plan.windows) {
    if (w.done === 0) continue;
    modelOf(models, compiled, w.model).skipped += w.done;
    partitions.skipped += w.done;
  }
  for (const s of plan.skipped)
    if (!plan.windows.some((w) => w.model === s.model))
      modelOf(models, compiled, s.model).skipped += 1;
}

/** Data tests run after the build that failed (or could not run), as failures of the run. */
function failedChecks(results: readonly StepResult[]): Failure[] {
  return results.flatMap((r) =>
    (r.checks ?? [])
      .filter((t) => t.status === 'fail' || t.status === 'error')
      .map((t) => ({
        model: r.step.model,
        window: undefined,
        from: null,
        to: null,
        code: 'E_TEST_FAILED',
        error: `${t.name}: ${t.message ?? t.status} (run after the build: the windows written are kept)`,
        test: t.name,
      })),
  );
}

/** Data tests of severity warn that found rows, by the model they ran on. */
function warningsOf(results: readonly StepResult[]): RunSummary['warnings'] {
  return results.flatMap((r) =>
    [...(r.tests ?? []), ...(r.checks ?? [])]
      .filter((t) => t.status === 'warn')
      .map((t) => ({ model: r.step.model, test: t.name, message: t.message ?? '' })),
  );
}
