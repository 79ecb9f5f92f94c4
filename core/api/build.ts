import { UsageError } from '../errors.js';
import { openEngine } from '../engine/open-engine.js';
import { inTransaction, type Engine } from '../engine/adapter.js';
import { selectNodes } from '../compile/selection.js';
import { planBuild } from '../plan/plan-build.js';
import type { Plan } from '../plan/plan.js';
import { DAY_MS } from '../plan/window.js';
import { existsSync } from 'node:fs';
import { EMPTY_STATE, readWarehouseState } from '../state/warehouse-state.js';
import { ensureLedger, finishRunSql, insertRunSql } from '../state/ledger.js';
import { executePlan } from '../execute/execute-plan.js';
import { summarize } from '../execute/summarize.js';
import type { RunSummary } from '../execute/run-summary.js';
import { silentReporter, type Reporter } from '../report/reporter.js';
import { hashSeeds, newRunId, openProject, type ProjectOptions } from './open-project.js';

/** Options of {@link buildProject} and {@link planBuildProject}. */
export interface BuildOptions extends ProjectOptions {
  /** The day to build (epoch ms, UTC midnight); default: yesterday. */
  readonly date?: number;
  readonly select?: readonly string[];
  readonly exclude?: readonly string[];
  readonly fullRefresh?: boolean;
  /** Only seeds: `etl seed` (optionally reloading unchanged ones). */
  readonly seedsOnly?: { readonly force: boolean };
  readonly reporter?: Reporter;
  /** An open engine to use instead of opening the target (the caller closes it). */
  readonly engine?: Engine;
  /** Plan only: a missing warehouse file is read as empty instead of being created. */
  readonly readOnly?: boolean;
  /** Called with the plan before anything is written. */
  readonly onPlan?: (plan: Plan, date: number) => void;
}

/** The day `build` uses without `--date`: yesterday, UTC. */
export function defaultBuildDate(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS - DAY_MS;
}

/** Plan `build` without running anything (etl plan --date). */
export async function planBuildProject(options: BuildOptions): Promise<Plan> {
  const { plan, close } = await prepareBuild(options);
  await close();
  return plan;
}

/**
 * `etl build`: load seeds that changed, rebuild views and tables, and write the windows of
 * the date for incremental models; each in its own transaction with its ledger rows.
 */
export async function buildProject(
  options: BuildOptions,
): Promise<{ plan: Plan; summary: RunSummary }> {
  const clock = options.clock ?? Date.now;
  const started = performance.now();
  const prepared = await prepareBuild(options);
  const { plan, compiled, seedHashes, date } = prepared;
  const conn = prepared.conn;
  if (conn === undefined) throw new Error('build needs a connection');
  const runId = (options.runId ?? (() => newRunId(clock())))();
  options.onPlan?.(plan, date);
  try {
    await inTransaction(conn, async () => {
      await ensureLedger(conn);
      await conn.run(
        insertRunSql({
          runId,
          command: options.seedsOnly ? 'seed' : 'build',
          args: {
            date: new Date(date).toISOString().slice(0, 10),
            select: options.select ?? [],
            exclude: options.exclude ?? [],
            full_refresh: options.fullRefresh ?? false,
          },
          startedAt: clock(),
        }),
      );
    });
    let results;
    try {
      results = await executePlan(plan, {
        compiled,
        conn,
        runId,
        now: clock,
        reporter: options.reporter ?? silentReporter,
        seedHashes,
      });
    } catch (error) {
      await conn.run(
        finishRunSql({
          runId,
          finishedAt: clock(),
          status: 'error',
          failures: [{ error: String(error) }],
        }),
      );
      throw error;
    }
    const summary = summarize(
      options.seedsOnly ? 'seed' : 'build',
      runId,
      performance.now() - started,
      plan,
      results,
      compiled,
    );
    await conn.run(
      finishRunSql({
        runId,
        finishedAt: clock(),
        status: summary.status,
        failures: summary.failures,
      }),
    );
    return { plan, summary };
  } finally {
    await prepared.close();
  }
}

async function prepareBuild(options: BuildOptions) {
  const clock = options.clock ?? Date.now;
  const { compiled } = openProject(options);
  const selected = selectNodes(compiled, options.select, options.exclude);
  if (options.seedsOnly)
    for (const name of selected)
      if (compiled.nodes.get(name)?.kind !== 'seed') selected.delete(name);
  if (selected.size === 0) throw new UsageError('the selection matches nothing', '--select');
  const date = options.date ?? defaultBuildDate(clock());
  const seedHashes = hashSeeds(compiled, selected);
  const { target } = compiled;
  if (
    options.readOnly &&
    target.kind === 'duckdb' &&
    target.path !== ':memory:' &&
    !existsSync(target.path)
  ) {
    const plan = planBuild(compiled, EMPTY_STATE, {
      date,
      selected,
      fullRefresh: options.fullRefresh ?? false,
      seedHashes,
    });
    return { plan, conn: undefined, compiled, seedHashes, date, close: () => Promise.resolve() };
  }
  const engine = options.engine ?? (await openEngine(compiled.target));
  const closeEngine = (): Promise<void> => (options.engine ? Promise.resolve() : engine.close());
  let conn;
  try {
    conn = await engine.connect();
  } catch (error) {
    await closeEngine();
    throw error;
  }
  const close = async (): Promise<void> => {
    await conn.close();
    await closeEngine();
  };
  try {
    const state = await readWarehouseState(conn, compiled);
    const plan = planBuild(compiled, state, {
      date,
      selected,
      fullRefresh: options.fullRefresh ?? false,
      forceSeeds: options.seedsOnly?.force ?? false,
      seedHashes,
    });
    return { plan, conn, compiled, seedHashes, date, close };
  } catch (error) {
    await close();
    throw error;
  }
}
