import type { Connection } from '../engine/adapter.js';
import type { CompiledGraph } from '../compile/compiled-graph.js';
import type { Plan } from '../plan/plan.js';
import {
  ProgressFileReporter,
  type ProgressSnapshot,
  type ProgressStatus,
} from '../execute/progress-file.js';
import { silentReporter, type Reporter } from '../execute/reporter.js';
import type { StepResult } from '../execute/run-summary.js';
import { progressFilePath, progressTarget } from './live-run.js';

/** What a run being executed tells its progress file. */
export interface ProgressInput {
  readonly command: string;
  readonly args: unknown;
  readonly runId: string;
  readonly plan: Plan;
  readonly compiled: CompiledGraph;
  readonly conn: Connection;
}

/**
 * Run `execute` with a reporter that also keeps the project's `.etl/run.json` (see
 * ProgressFileReporter) around `options.reporter`, and write the run's outcome into it at the
 * end, whether the run succeeds, fails, is interrupted or throws. An in-memory warehouse (the
 * throwaway build of `etl test`) keeps none: it would hide the progress of a real run.
 */
export async function withProgressFile(
  input: ProgressInput,
  options: {
    readonly reporter?: Reporter | undefined;
    readonly onNotice?: ((message: string) => void) | undefined;
    readonly signal?: AbortSignal | undefined;
  },
  execute: (reporter: Reporter) => Promise<StepResult[]>,
): Promise<StepResult[]> {
  const inner = options.reporter ?? silentReporter;
  const { compiled } = input;
  if (compiled.target.kind === 'duckdb' && compiled.target.path === ':memory:')
    return execute(inner);
  const progress = new ProgressFileReporter(inner, {
    path: progressFilePath(compiled.project.root),
    run: {
      runId: input.runId,
      command: input.command,
      args: input.args,
      target: progressTarget(compiled.target),
      materialized: (name) => {
        const node = compiled.nodes.get(name);
        return node?.kind === 'model' ? node.config.materialized : 'seed';
      },
    },
    snapshot: snapshotOf(input),
    onNotice: options.onNotice,
  });
  try {
    const results = await execute(progress);
    progress.close(outcome(results, options.signal));
    return results;
  } catch (error) {
    progress.close(options.signal?.aborted ? 'interrupted' : 'failed');
    throw error;
  }
}

/** The run's outcome from its results, as the summary tells it. */
function outcome(
  results: readonly StepResult[],
  signal: AbortSignal | undefined,
): Exclude<ProgressStatus, 'running'> {
  if (signal?.aborted) return 'interrupted';
  const ok = results.every(
    (r) =>
      (r.status === 'success' || r.status === 'unchanged') &&
      (r.checks ?? []).every((t) => t.status !== 'fail' && t.status !== 'error'),
  );
  return ok ? 'success' : 'failed';
}

/**
 * How the run's incremental models stood when it was planned, over the range the run covers:
 * the plan's own counts, so that keeping the progress file costs nothing in proportion to the
 * ledger (a build of one day on ten years of hourly windows reads no more than on an empty
 * warehouse). What a reader shows while the run holds the warehouse.
 */
function snapshotOf(input: ProgressInput): ProgressSnapshot {
  const { plan, compiled } = input;
  return {
    taken_at: new Date().toISOString(),
    models: plan.windows.map((w) => {
      const node = compiled.nodes.get(w.model);
      const grain = node?.kind === 'model' ? node.config.grain : 'day';
      return {
        name: w.model,
        materialized: node?.kind === 'model' ? node.config.materialized : 'incremental',
        grain,
        range: {
          from: new Date(w.range.start).toISOString(),
          to: new Date(w.range.end).toISOString(),
        },
        counts: {
          done: w.done,
          partial: w.partial,
          missing: w.missing,
          stale: w.stale,
          // The plan rebuilds failed windows as missing ones.
          failed: 0,
          forward_only: w.accepted,
        },
      };
    }),
  };
}
