import type { CompiledGraph } from '../compile/compiled-graph.js';
import type { Plan } from '../plan/plan.js';
import type { Failure, ModelSummary, RunSummary, StepResult } from './run-summary.js';

/** Turn step results into the run summary of DESIGN §6. */
export function summarize(
  command: string,
  runId: string,
  durationMs: number,
  plan: Plan,
  results: readonly StepResult[],
  compiled: CompiledGraph,
): RunSummary {
  const models = new Map<string, ModelSummary>();
  const modelOf = (name: string): ModelSummary => {
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
        rows: 0,
      };
      models.set(name, m);
    }
    return m;
  };
  const partitions = { built: 0, skipped: 0, failed: 0, upstream_failed: 0 };
  const failures: Failure[] = [];
  for (const r of results) {
    const m = modelOf(r.step.model);
    const units = Math.max(1, r.step.windows.length);
    const windowed = r.step.kind === 'incremental' || r.step.kind === 'upsert';
    if (r.status === 'unchanged') {
      m.skipped += units;
      if (windowed) partitions.skipped += units;
    } else if (r.status === 'success') {
      m.built += units;
      m.rows += r.rows;
      if (windowed) partitions.built += units;
    } else if (r.status === 'failed') {
      m.failed += units;
      if (windowed) partitions.failed += units;
      failures.push({
        model: r.step.model,
        window: r.step.id.includes('@') ? r.step.id.slice(r.step.id.indexOf('@') + 1) : undefined,
        code: r.error?.code ?? 'E_FAILED',
        error: r.error?.message ?? 'failed',
      });
    } else {
      m.upstream_failed += units;
      if (windowed) partitions.upstream_failed += units;
    }
  }
  for (const w of plan.windows) {
    if (w.done === 0) continue;
    modelOf(w.model).skipped += w.done;
    partitions.skipped += w.done;
  }
  for (const s of plan.skipped)
    if (!plan.windows.some((w) => w.model === s.model)) modelOf(s.model).skipped += 1;
  const status = results.every((r) => r.status === 'success' || r.status === 'unchanged')
    ? 'success'
    : 'failed';
  const warnings = results.flatMap((r) =>
    (r.tests ?? [])
      .filter((t) => t.status === 'warn')
      .map((t) => ({ model: r.step.model, test: t.name, message: t.message ?? '' })),
  );
  return {
    command,
    status,
    run_id: runId,
    duration_ms: Math.round(durationMs),
    partitions,
    models: [...models.values()],
    failures,
    warnings,
  };
}
