import { planBackfill, planBuild, planCatchUp } from '../plan/plan-build.js';
import type { Plan } from '../plan/plan.js';
import { DAY_MS, formatDay } from '../time/window.js';
import { UsageError } from '../errors.js';
import type { RunSummary } from '../execute/run-summary.js';
import { planOnly, runCommand, type Planner, type RunOptions } from './run-command.js';

/** Options of {@link buildProject}. */
export interface BuildOptions extends RunOptions {
  /** The day to build (epoch ms, UTC midnight); default: yesterday. */
  readonly date?: number;
}

/** Options of {@link backfillProject}. */
export interface BackfillOptions extends RunOptions {
  readonly from: number;
  readonly to: number;
  /** Rebuild windows already done under the current fingerprint. */
  readonly force?: boolean;
  /** Merge up to N consecutive windows into one transaction (overrides batch_size). */
  readonly batchSize?: number;
}

/** Options of {@link catchUpProject}. */
export interface CatchUpOptions extends RunOptions {
  /** Catch up to the end of this day (epoch ms, UTC midnight); default: now. */
  readonly until?: number;
  readonly batchSize?: number;
}

/** The day `build` uses without `--date`: yesterday, UTC. */
export function defaultBuildDate(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS - DAY_MS;
}

type Result = Promise<{ plan: Plan; summary: RunSummary }>;

function buildPlanner(options: BuildOptions): { planner: Planner; date: number } {
  const date = options.date ?? defaultBuildDate((options.clock ?? Date.now)());
  return { date, planner: (c, s, o) => planBuild(c, s, { ...o, date }) };
}

/**
 * `etl build`: load seeds that changed, rebuild views and tables, and write the windows of
 * the date (plus lookback) for incremental models; each in its own transaction with its
 * ledger rows.
 */
export function buildProject(options: BuildOptions): Result {
  const { planner, date } = buildPlanner(options);
  const args = {
    date: formatDay(date),
    select: options.select ?? [],
    exclude: options.exclude ?? [],
    full_refresh: options.fullRefresh ?? false,
  };
  return runCommand(options.seedsOnly ? 'seed' : 'build', args, options, planner);
}

/** Plan `build` without running anything (etl plan --date). */
export function planBuildProject(options: BuildOptions): Promise<Plan> {
  return planOnly(options, buildPlanner(options).planner);
}

function backfillPlanner(options: BackfillOptions): Planner {
  if (options.from > options.to)
    throw new UsageError(
      `--from ${formatDay(options.from)} is after --to ${formatDay(options.to)}`,
      '--from',
    );
  return (c, s, o) =>
    planBackfill(c, s, {
      ...o,
      from: options.from,
      to: options.to,
      force: options.force ?? false,
      batchSize: options.batchSize,
    });
}

/**
 * `etl backfill --from A --to B`: every window of the selected incremental models that
 * overlaps the days A..B and is missing or stale (or every one, forced), as a DAG of windows.
 */
export function backfillProject(options: BackfillOptions): Result {
  const planner = backfillPlanner(options);
  const args = {
    from: formatDay(options.from),
    to: formatDay(options.to),
    select: options.select ?? [],
    exclude: options.exclude ?? [],
    force: options.force ?? false,
    batch_size: options.batchSize ?? null,
  };
  return runCommand('backfill', args, options, planner);
}

/** Plan a backfill without running anything (etl plan --from --to). */
export function planBackfillProject(options: BackfillOptions): Promise<Plan> {
  return planOnly(options, backfillPlanner(options));
}

function catchUpPlanner(options: CatchUpOptions): { planner: Planner; until: number } {
  const until =
    options.until === undefined ? (options.clock ?? Date.now)() : options.until + DAY_MS;
  return {
    until,
    planner: (c, s, o) => planCatchUp(c, s, { ...o, until, batchSize: options.batchSize }),
  };
}

/**
 * `etl run [--until D]`: every missing or stale window of each incremental model from its
 * `start` to the last window closed at D's end (or now).
 */
export function catchUpProject(options: CatchUpOptions): Result {
  const { planner, until } = catchUpPlanner(options);
  const args = {
    until: new Date(until).toISOString(),
    select: options.select ?? [],
    exclude: options.exclude ?? [],
  };
  return runCommand('run', args, options, planner);
}

/** Plan a catch-up without running anything. */
export function planCatchUpProject(options: CatchUpOptions): Promise<Plan> {
  return planOnly(options, catchUpPlanner(options).planner);
}
