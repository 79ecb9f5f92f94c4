import type { CompiledGraph, CompiledModel } from '../compile/compiled-graph.js';
import type { WarehouseState } from '../state/warehouse-state.js';
import type { Plan } from './plan.js';
import { planSteps, type PlanOptions } from './plan-steps.js';
import {
  dayWindow,
  floorToGrain,
  windowsBetween,
  windowsForDay,
  windowsOverlapping,
  DAY_MS,
  type Window,
} from '../time/window.js';

/**
 * Plan `build --date D`: changed or missing seeds, every selected view and table, and the
 * windows of D (plus lookback) of each incremental model, always rebuilt.
 */
export function planBuild(
  compiled: CompiledGraph,
  state: WarehouseState,
  options: PlanOptions & { readonly date: number },
): Plan {
  return planSteps(compiled, state, options, {
    command: 'build',
    rebuildUnchanged: true,
    day: dayWindow(options.date),
    force: true,
    batchSize: 1,
    windowsOf: buildWindows(options.date),
  });
}

/** The windows `build --date D` wants of an incremental model: D's (plus lookback). */
export function buildWindows(date: number): (model: CompiledModel) => Window[] {
  return (model) =>
    model.config.uniqueKey !== undefined
      ? [dayWindow(date)]
      : windowsForDay(date, model.config.grain, model.config.lookback);
}

/**
 * Plan `backfill --from A --to B`: every window overlapping the days A..B (at or after each
 * model's start) that is missing or stale, or every one with `force`.
 */
export function planBackfill(
  compiled: CompiledGraph,
  state: WarehouseState,
  options: PlanOptions & {
    readonly from: number;
    readonly to: number;
    readonly force: boolean;
    readonly batchSize?: number | undefined;
  },
): Plan {
  return planSteps(compiled, state, options, {
    command: 'backfill',
    rebuildUnchanged: true,
    day: dayWindow(options.to),
    force: options.force,
    batchSize: options.batchSize,
    windowsOf: backfillWindows(options.from, options.to),
  });
}

/** The windows `backfill --from A --to B` wants of an incremental model. */
export function backfillWindows(from: number, to: number): (model: CompiledModel) => Window[] {
  return (model) =>
    windowsBetween(from, to, model.config.uniqueKey !== undefined ? 'day' : model.config.grain);
}

/**
 * Plan `run`: for each incremental model, every missing or stale window from its `start` to
 * the last window closed at `until` (an instant: now, or the end of the --until day).
 * Models without `start` are skipped.
 */
export function planCatchUp(
  compiled: CompiledGraph,
  state: WarehouseState,
  options: PlanOptions & { readonly until: number; readonly batchSize?: number | undefined },
): Plan {
  const lastDay = Math.floor((options.until - 1) / DAY_MS) * DAY_MS;
  return planSteps(compiled, state, options, {
    command: 'run',
    rebuildUnchanged: false,
    day: dayWindow(lastDay),
    force: false,
    batchSize: options.batchSize,
    windowsOf: (model) => {
      const { start } = model.config;
      if (start === undefined) return [];
      const grain = model.config.uniqueKey !== undefined ? 'day' : model.config.grain;
      // Closed windows only: those that end at or before `until`.
      const end = floorToGrain(options.until, grain);
      return windowsOverlapping(start, end, grain);
    },
  });
}

/**
 * Plan the build of `etl test` in a throwaway database: each incremental model's windows of
 * the test day (`date`, else the model's start, else `fallback`); views, tables and seeds.
 */
export function planTestBuild(
  compiled: CompiledGraph,
  state: WarehouseState,
  options: PlanOptions & { readonly date: number | undefined; readonly fallback: number },
): Plan {
  const dayOf = (model: { config: { start: number | undefined } }): number =>
    options.date ??
    (model.config.start === undefined
      ? options.fallback
      : Math.floor(model.config.start / DAY_MS) * DAY_MS);
  return planSteps(compiled, state, options, {
    command: 'test',
    rebuildUnchanged: true,
    day: dayWindow(options.date ?? options.fallback),
    force: true,
    batchSize: 1,
    windowsOf: (model) =>
      model.config.uniqueKey !== undefined
        ? [dayWindow(dayOf(model))]
        : windowsForDay(dayOf(model), model.config.grain, 0),
  });
}
