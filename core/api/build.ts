import {
  backfillWindows,
  buildWindows,
  planBackfill,
  planBuild,
  planCatchUp,
} from '../plan/plan-build.js';
import type { Plan } from '../plan/plan.js';
import type { PlanOptions } from '../plan/plan-steps.js';
import type { CompiledGraph } from '../compile/compiled-graph.js';
import type { WarehouseState } from '../state/warehouse-state.js';
import { DAY_MS, formatDay } from '../time/window.js';
import { UsageError } from '../errors.js';
import type { RunSummary } from '../execute/run-summary.js';
import { planOnly, runCommand, type Planner, type RunOptions } from './run-command.js';
import { parseDateInput, parseOptionalDate, type DateInput } from './date-input.js';

/** Options of {@link buildProject} and {@link planBuildProject}. */
export interface BuildOptions extends RunOptions {
  /** The day to build (UTC); default: yesterday (by `clock`). */
  readonly date?: DateInput;
}

/** Options of {@link backfillProject} and {@link planBackfillProject}. */
export interface BackfillOptions extends RunOptions {
  /** The first day of the range (UTC). */
  readonly from: DateInput;
  /** The last day of the range, included (UTC). */
  readonly to: DateInput;
  /** Rebuild windows already done under the current fingerprint. */
  readonly force?: boolean;
  /** Merge up to N consecutive windows into one transaction (overrides batch_size). */
  readonly batchSize?: number;
}

/** Options of {@link catchUpProject} and {@link planCatchUpProject}. */
export interface CatchUpOptions extends RunOptions {
  /** Catch up to the end of this day (UTC); default: now. */
  readonly until?: DateInput;
  /** Merge up to N consecutive windows into one transaction (overrides batch_size). */
  readonly batchSize?: number;
}

/**
 * The day `build` uses without `--date`: yesterday, UTC. Synchronous and pure.
 *
 * @param now - The current time, epoch ms.
 * @returns Epoch ms of yesterday's start, UTC.
 */
export function defaultBuildDate(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS - DAY_MS;
}

/** What a run resolves with: the plan it ran and the summary `--json` prints. */
export interface RunResult {
  /** The plan that ran. */
  readonly plan: Plan;
  /** The outcome (snake_case keys, as `--json` prints it). */
  readonly summary: RunSummary;
}

function buildPlanner(options: BuildOptions): { planner: Planner; date: number } {
  const date =
    parseOptionalDate(options.date, 'date') ?? defaultBuildDate((options.clock ?? Date.now)());
  const planner = (c: CompiledGraph, s: WarehouseState, o: PlanOptions): Plan =>
    planBuild(c, s, { ...o, date });
  return { date, planner: Object.assign(planner, { windowsOf: buildWindows(date) }) };
}

/**
 * `etl build`: load seeds that changed, rebuild views and tables, and write the windows of
 * the date (plus lookback) for incremental models; each in its own transaction with its
 * ledger rows. With `seedsOnly`, `etl seed`. Bad input rejects before anything is written;
 * an aborted `signal` ends the run `interrupted`.
 *
 * @param options - The project, target, date, selection, reporter, signal...
 * @returns The plan and the run's summary; a step that fails does not reject (see
 * `summary.status` and `summary.failures`).
 * @example
 * ```ts
 * const { summary } = await buildProject({ project: '.', date: '2024-01-15' });
 * if (summary.status !== 'success') console.error(summary.failures);
 * ```
 */
export async function buildProject(options: BuildOptions): Promise<RunResult> {
  const { planner, date } = buildPlanner(options);
  const args = {
    date: formatDay(date),
    select: options.select ?? [],
    exclude: options.exclude ?? [],
    full_refresh: options.fullRefresh ?? false,
  };
  return runCommand(options.seedsOnly ? 'seed' : 'build', args, options, planner);
}

/**
 * Plan `build` without running anything (`etl plan --date`); a warehouse file not created
 * yet is read as empty.
 *
 * @returns The plan `buildProject` would run now.
 */
export async function planBuildProject(options: BuildOptions): Promise<Plan> {
  return planOnly(options, buildPlanner(options).planner);
}

function backfillPlanner(options: BackfillOptions): { planner: Planner; from: number; to: number } {
  const from = parseDateInput(options.from, 'from');
  const to = parseDateInput(options.to, 'to');
  if (from > to)
    throw new UsageError(`--from ${formatDay(from)} is after --to ${formatDay(to)}`, '--from');
  const planner = (c: CompiledGraph, s: WarehouseState, o: PlanOptions): Plan =>
    planBackfill(c, s, {
      ...o,
      from,
      to,
      force: options.force ?? false,
      batchSize: options.batchSize,
    });
  return { planner: Object.assign(planner, { windowsOf: backfillWindows(from, to) }), from, to };
}

/**
 * `etl backfill --from A --to B`: every window of the selected incremental models that
 * overlaps the days A..B and is missing or stale (or every one, forced), as a DAG of windows.
 * Resumable: an interrupted or failed backfill run again builds only what is left.
 *
 * @param options - `from` and `to` (days, included), and the options every run takes.
 * @returns The plan and the run's summary.
 * @example
 * ```ts
 * const controller = new AbortController();
 * const { summary } = await backfillProject({
 *   project: '.',
 *   from: '2024-01-01',
 *   to: '2024-03-31',
 *   signal: controller.signal,
 * });
 * console.log(summary.status, summary.partitions.built);
 * ```
 */
export async function backfillProject(options: BackfillOptions): Promise<RunResult> {
  const { planner, from, to } = backfillPlanner(options);
  const args = {
    from: formatDay(from),
    to: formatDay(to),
    select: options.select ?? [],
    exclude: options.exclude ?? [],
    force: options.force ?? false,
    batch_size: options.batchSize ?? null,
  };
  return runCommand('backfill', args, options, planner);
}

/**
 * Plan a backfill without running anything (`etl plan --from --to`).
 *
 * @returns The plan `backfillProject` would run now.
 */
export async function planBackfillProject(options: BackfillOptions): Promise<Plan> {
  return planOnly(options, backfillPlanner(options).planner);
}

function catchUpPlanner(options: CatchUpOptions): { planner: Planner; until: number } {
  const day = parseOptionalDate(options.until, 'until');
  const until = day === undefined ? (options.clock ?? Date.now)() : day + DAY_MS;
  return {
    until,
    planner: (c, s, o) => planCatchUp(c, s, { ...o, until, batchSize: options.batchSize }),
  };
}

/**
 * `etl run [--until D]`: every missing or stale window of each incremental model from its
 * `start` to the last window closed at D's end (or now).
 *
 * @returns The plan and the run's summary.
 */
export async function catchUpProject(options: CatchUpOptions): Promise<RunResult> {
  const { planner, until } = catchUpPlanner(options);
  const args = {
    until: new Date(until).toISOString(),
    select: options.select ?? [],
    exclude: options.exclude ?? [],
  };
  return runCommand('run', args, options, planner);
}

/**
 * Plan a catch-up without running anything (`etl plan` without dates).
 *
 * @returns The plan `catchUpProject` would run now.
 */
export async function planCatchUpProject(options: CatchUpOptions): Promise<Plan> {
  return planOnly(options, catchUpPlanner(options).planner);
}
