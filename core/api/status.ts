import { parseOptionalDate, type DateInput } from './date-input.js';
import { openEngine } from '../engine/open-engine.js';
import { isMissingFile } from '../engine/target.js';
import type { Engine } from '../engine/adapter.js';
import { checkSelection, selectNodes } from '../compile/selection.js';
import { stateContext } from '../compile/selection-state.js';
import type { CompiledGraph, CompiledModel } from '../compile/compiled-graph.js';
import { renderModel } from '../compile/compile-project.js';
import { readFailedWindows, readRecentRuns } from '../state/run-log.js';
import type { PartitionRecord } from '../state/ledger.js';
import { EMPTY_STATE, readWarehouseState, type WarehouseState } from '../state/warehouse-state.js';
import { DataVersions, labelRanges } from '../plan/data-versions.js';
import { currentDefinition, windowStanding } from '../plan/window-state.js';
import {
  addGrain,
  countWindows,
  DAY_MS,
  dayWindow,
  floorToGrain,
  windowLabel,
  type Grain,
  type Window,
} from '../time/window.js';
import { hashSeeds, openProject, type ProjectOptions } from './open-project.js';
import { runsWithLiveness, type RunStatus } from './live-run.js';

/** The state of one window of a model. */
export type WindowState = 'done' | 'partial' | 'stale' | 'failed' | 'missing';

/** One window of a model and how it stands. */
export interface WindowStatus {
  readonly window: Window;
  readonly state: WindowState;
  /** Why it is stale or partial. */
  readonly reason?: string;
  /** Its rows come from an older definition, accepted with `--forward-only`. */
  readonly forwardOnly?: boolean;
}

/**
 * Consecutive windows of a model in the same state (and with the same reason): a century of
 * hours not built yet is one range, so that status costs what it reports, not the calendar.
 */
export interface StatusRange {
  /** Start of the first window. */
  readonly from: number;
  /** End of the last window (exclusive). */
  readonly to: number;
  readonly state: WindowState;
  readonly count: number;
  /** Why they are stale or partial. */
  readonly reason?: string;
  /** Their rows come from an older definition, accepted with `--forward-only`. */
  readonly forwardOnly?: boolean;
}

/** Status of one incremental model. */
export interface ModelStatus {
  readonly name: string;
  readonly materialized: string;
  readonly grain: Grain;
  /** Windows from the model's start (or first built window) to the last closed one. */
  readonly ranges: readonly StatusRange[];
  /** Windows per state. */
  readonly counts: Readonly<Record<WindowState, number>>;
  /** Windows whose rows were accepted with `--forward-only`. */
  readonly forwardOnly: number;
  /** A full refresh was interrupted: windows written into the table built aside so far. */
  readonly refreshing?: number;
}

/** The windows of a model's ranges, one by one (for small spans: a test, a grid row). */
export function* statusWindows(model: ModelStatus): Generator<WindowStatus> {
  for (const r of model.ranges)
    for (let start = r.from; start < r.to;) {
      const end = addGrain(start, model.grain, 1);
      yield {
        window: { start, end },
        state: r.state,
        ...(r.reason === undefined ? {} : { reason: r.reason }),
        ...(r.forwardOnly ? { forwardOnly: true } : {}),
      };
      start = end;
    }
}

/** Options of {@link projectStatus}. */
export interface StatusOptions extends ProjectOptions {
  readonly select?: readonly string[];
  readonly exclude?: readonly string[];
  /** Show windows closed by the end of this day (`'YYYY-MM-DD'`, a Date or epoch ms); default: now. */
  readonly until?: DateInput;
  readonly engine?: Engine;
  /**
   * Called with the ledger's newest run and the runs still recorded `running` after the newest
   * that finished, newest first; a run whose process is gone is shown `abandoned` (the ledger
   * is not changed: status writes nothing).
   */
  readonly onRuns?: (runs: readonly RunStatus[]) => void;
}

/**
 * `etl status`: for each selected incremental model, every window from its start to the last
 * closed one: done, partial (built before its window closed or with inputs missing), stale
 * (built under another definition or from inputs that changed since, with the reason), failed
 * (its newest attempt failed) or missing. Writes nothing.
 */
export async function projectStatus(options: StatusOptions): Promise<ModelStatus[]> {
  const untilDay = parseOptionalDate(options.until, 'until');
  const { compiled } = openProject(options);
  // Checked before the warehouse is read; a state: selector is resolved once it is.
  const byState = checkSelection(compiled, options.select, options.exclude);
  const now = (options.clock ?? Date.now)();
  const until = untilDay === undefined ? now : untilDay + DAY_MS;
  const { state, failed, runs } = await readLedger(
    compiled,
    options.engine,
    options.onRuns !== undefined,
  );
  const selected = selectNodes(
    compiled,
    options.select,
    options.exclude,
    byState
      ? stateContext(compiled, state, hashSeeds(compiled, new Set(compiled.nodes.keys())))
      : undefined,
  );
  const out = statusFromLedger(compiled, state, failed, selected, { now, until });
  options.onRuns?.(runs);
  return out;
}

/**
 * The status of the `selected` incremental models from a ledger already read (`state`, and
 * the windows whose newest attempt failed), with windows shown up to `until` (epoch ms).
 */
export function statusFromLedger(
  compiled: CompiledGraph,
  state: WarehouseState,
  failed: ReadonlyMap<string, Window[]>,
  selected: ReadonlySet<string>,
  times: { readonly now: number; readonly until: number },
): ModelStatus[] {
  const { now, until } = times;
  const context: StatusContext = {
    compiled,
    state,
    failed,
    // Seeds as they are on disk: a seed edited since it was loaded makes its readers stale.
    versions: new DataVersions(
      compiled,
      state,
      hashSeeds(compiled, new Set(compiled.nodes.keys())),
    ),
    now,
    until,
    // Tables are rendered for the day `run` would render them with: the last closed one.
    runDay: dayWindow(Math.floor((until - 1) / DAY_MS) * DAY_MS),
    staleWindows: new Map(),
    staleWhole: new Set(),
  };
  const out: ModelStatus[] = [];
  // Models in DAG order: a model's staleness is known before its readers are looked at.
  for (const name of compiled.graph.order) {
    const node = compiled.nodes.get(name);
    if (node?.kind !== 'model') continue;
    if (node.config.materialized === 'table') {
      if (tableIsStale(context, node)) context.staleWhole.add(name);
      continue;
    }
    if (node.config.materialized !== 'incremental') continue;
    const entries = incrementalEntries(context, node);
    if (selected.has(name)) out.push(modelStatus(node, entries, state));
  }
  return out;
}

/** What holds for every window of the model being walked. */
interface ModelWalk {
  /** Whether its table is there (without it, no window is). */
  readonly tableExists: boolean;
  /** Whether something it reads is stale (else no window is stale through its inputs). */
  readonly upstreamMayBeStale: boolean;
}

/** What status reads, and what it has found stale so far as it walks the models. */
interface StatusContext {
  readonly compiled: CompiledGraph;
  readonly state: WarehouseState;
  /** Windows whose newest attempt failed, by model. */
  readonly failed: ReadonlyMap<string, Window[]>;
  readonly versions: DataVersions;
  readonly now: number;
  /** Windows closed by then are shown (epoch ms). */
  readonly until: number;
  /** The day tables are rendered for. */
  readonly runDay: Window;
  /**
   * What is stale, by model (window starts) or as a whole (tables): a window that reads a
   * stale part is stale too, though its own inputs did not change yet.
   */
  readonly staleWindows: Map<string, Set<number>>;
  readonly staleWhole: Set<string>;
}

/**
 * The ledger, the failed windows and (with `withRuns`) the newest runs; a warehouse file not
 * created yet reads as empty.
 */
async function readLedger(
  compiled: CompiledGraph,
  given: Engine | undefined,
  withRuns: boolean,
): Promise<{ state: WarehouseState; failed: Map<string, Window[]>; runs: RunStatus[] }> {
  const { target } = compiled;
  if (isMissingFile(target) && !given) return { state: EMPTY_STATE, failed: new Map(), runs: [] };
  const engine = given ?? (await openEngine(target, { readOnly: true }));
  const conn = await engine.connect();
  try {
    const state = await readWarehouseState(conn, compiled);
    const failed = await readFailedWindows(conn);
    const runs = withRuns
      ? runsWithLiveness(await readRecentRuns(conn), { target, openedHere: given === undefined })
      : [];
    return { state, failed, runs };
  } finally {
    await conn.close();
    if (!given) await engine.close();
  }
}

/**
 * A table is stale when it was built under another definition, from inputs that changed
 * since, or from an upstream part that is stale itself.
 */
function tableIsStale(context: StatusContext, node: CompiledModel): boolean {
  const { compiled, state, versions, staleWhole, staleWindows } = context;
  const build = state.builds.get(node.name);
  const upstreamStale = versions
    .inputsOf(node.name)
    .some((i) => staleWhole.has(i.name) || (staleWindows.get(i.name)?.size ?? 0) > 0);
  return (
    build !== undefined &&
    (!currentDefinition(node, build) ||
      (build.inputVersion !== undefined &&
        build.inputVersion !==
          versions.versionOfWhole(
            node,
            renderModel(compiled, node, { window: context.runDay, isIncremental: false }),
          ).version) ||
      upstreamStale)
  );
}

/** The grain status counts a model's windows in: days for an upsert model. */
function statusGrain(node: CompiledModel): Grain {
  return node.config.uniqueKey !== undefined ? 'day' : node.config.grain;
}

/**
 * The entries of an incremental model, with the windows found stale recorded for its readers.
 */
function incrementalEntries(context: StatusContext, node: CompiledModel): Entry[] {
  const stale = new Set<number>();
  context.staleWindows.set(node.name, stale);
  const grain = statusGrain(node);
  const chained = node.config.uniqueKey !== undefined || node.readsItself;
  const entries = windowEntries(context, node, grain, stale, chained);
  if (chained) chainStaleness(entries, stale, grain);
  // An upsert model is read as a whole.
  if (node.config.uniqueKey !== undefined && stale.size > 0) context.staleWhole.add(node.name);
  return entries;
}

/**
 * A model's windows from its start to the last closed one (none without a start or a built
 * window). Only windows with a ledger row or a failure need a look: between them, none is
 * built, and each gap is one entry however many windows it spans.
 */
function windowEntries(
  context: StatusContext,
  node: CompiledModel,
  grain: Grain,
  stale: Set<number>,
  /** One entry a window (for chainStaleness), else runs of windows plainly done merged. */
  chained: boolean,
): Entry[] {
  const records = context.state.partitions.get(node.name) ?? [];
  const first = node.config.start ?? records[0]?.window.start;
  if (first === undefined) return [];
  const failedStarts = [...new Set((context.failed.get(node.name) ?? []).map((w) => w.start))].sort(
    (a, b) => a - b,
  );
  // A start inside a week or a month leaves that window out, as every command does.
  const from = grainStartAtOrAfter(first, grain);
  const lastEnd = grainStartAtOrAfter(
    Math.max(floorToGrain(context.until, grain), records.at(-1)?.window.end ?? 0),
    grain,
  );
  const entries: Entry[] = [];
  let cursor = from;
  // What holds for every window of the model, looked up once.
  const walk: ModelWalk = {
    tableExists: context.state.relations.get(node.name) === 'table',
    upstreamMayBeStale: context.versions
      .inputsOf(node.name)
      .some(
        (i) => context.staleWhole.has(i.name) || (context.staleWindows.get(i.name)?.size ?? 0) > 0,
      ),
  };
  // Records (in time order, one per window) and failures merged in time order, without a map
  // or a sort of the whole history.
  for (let r = 0, f = 0; r < records.length || f < failedStarts.length;) {
    const recordStart = r < records.length ? records[r]!.window.start : Infinity;
    const failedStart = f < failedStarts.length ? failedStarts[f]! : Infinity;
    const start = Math.min(recordStart, failedStart);
    const record = recordStart === start ? records[r++] : undefined;
    const failed = failedStart === start;
    if (failed) f++;
    if (start < from || start >= lastEnd || floorToGrain(start, grain) !== start) continue;
    if (start > cursor) entries.push(missingRun(cursor, start, grain));
    const window = { start, end: addGrain(start, grain, 1) };
    cursor = window.end;
    const entry = windowEntry(context, walk, node, window, record, failed);
    if (entry === undefined) {
      // Done, complete, as defined now: the run of such windows before it grows, or one
      // starts (an object a run, not a window).
      const last = entries.at(-1);
      if (
        !chained &&
        last !== undefined &&
        last.state === 'done' &&
        last.reason === undefined &&
        last.forwardOnly !== true &&
        last.window.end === start
      ) {
        last.window.end = window.end;
        last.count++;
      } else
        entries.push({
          window: { start, end: window.end },
          state: 'done',
          count: 1,
          seq: record?.seq,
        });
      continue;
    }
    if (entry.state === 'failed' || entry.state === 'stale') stale.add(start);
    entries.push(entry);
  }
  if (lastEnd > cursor) entries.push(missingRun(cursor, lastEnd, grain));
  return entries;
}

/** The start of the first window at or after `time`. */
function grainStartAtOrAfter(time: number, grain: Grain): number {
  return floorToGrain(time, grain) < time ? addGrain(floorToGrain(time, grain), grain, 1) : time;
}

/** A run of windows never built, as one entry. */
function missingRun(from: number, to: number, grain: Grain): Entry {
  return {
    window: { start: from, end: to },
    state: 'missing',
    count: countWindows(from, to, grain),
  };
}

/**
 * How one window with a ledger row or a failure stands; undefined for the common case, done
 * and complete under the current definition.
 */
function windowEntry(
  context: StatusContext,
  walk: ModelWalk,
  node: CompiledModel,
  window: Window,
  record: PartitionRecord | undefined,
  failed: boolean,
): Entry | undefined {
  const seq = record?.seq;
  if (failed) return { window, state: 'failed', count: 1, seq };
  const { versions, state, now } = context;
  const standing = windowStanding(node, window, record, {
    versions,
    state,
    now,
    tableExists: walk.tableExists,
  });
  const upstream =
    standing.state === 'done' && walk.upstreamMayBeStale
      ? upstreamStale(context, node, window)
      : undefined;
  if (standing.state === 'missing') return { window, state: 'missing', count: 1, seq };
  if (standing.state === 'stale' || upstream !== undefined)
    return {
      window,
      state: 'stale',
      reason: standing.state === 'stale' ? standing.reason : (upstream ?? ''),
      count: 1,
      seq,
    };
  if (standing.partial === undefined && !record?.forwardOnly) return undefined;
  return {
    window,
    state: standing.partial === undefined ? 'done' : 'partial',
    ...(standing.partial === undefined ? {} : { reason: standing.partial }),
    ...(record?.forwardOnly ? { forwardOnly: true } : {}),
    count: 1,
    seq,
  };
}

/** Why a window is stale through what it reads (a stale table or stale windows), if it is. */
function upstreamStale(
  context: StatusContext,
  node: CompiledModel,
  window: Window,
): string | undefined {
  const { versions, staleWhole, staleWindows } = context;
  for (const input of versions.inputsOf(node.name)) {
    if (input.kind === 'whole') {
      if (staleWhole.has(input.name)) return `upstream ${input.name} must be rebuilt first`;
      continue;
    }
    const starts = staleWindows.get(input.name);
    if (starts === undefined || starts.size === 0) continue;
    const hit = versions
      .inputWindows(input, versions.inputStart(node, window), window.end)
      .filter((w) => starts.has(w.start));
    if (hit.length > 0)
      return `upstream ${input.name} ${labelRanges(hit, input.grain)} must be rebuilt first`;
  }
  return undefined;
}

/** A model's status from its entries: runs of windows in one state, and counts per state. */
function modelStatus(
  node: CompiledModel,
  entries: readonly Entry[],
  state: WarehouseState,
): ModelStatus {
  const refreshing = state.refreshing?.get(node.name);
  const ranges = toRanges(entries);
  const counts = { done: 0, partial: 0, stale: 0, failed: 0, missing: 0 };
  let forwardOnly = 0;
  for (const r of ranges) {
    counts[r.state] += r.count;
    if (r.forwardOnly) forwardOnly += r.count;
  }
  return {
    name: node.name,
    materialized: node.config.uniqueKey ? 'incremental (unique_key)' : 'incremental',
    grain: statusGrain(node),
    ranges,
    counts,
    forwardOnly,
    ...(refreshing === undefined ? {} : { refreshing: refreshing.length }),
  };
}

/**
 * A window, a run of windows done, or a run of windows never built, of a model, as status
 * works them out; a run done grows as windows are walked.
 */
interface Entry {
  readonly window: { readonly start: number; end: number };
  readonly state: WindowState;
  readonly reason?: string;
  readonly forwardOnly?: boolean;
  count: number;
  /** The commit order of its ledger row. */
  readonly seq?: number | undefined;
}

/** Consecutive entries of the same state, reason and acceptance, merged. */
function toRanges(entries: readonly Entry[]): StatusRange[] {
  const ranges: StatusRange[] = [];
  // The run being merged, as plain values: a range object is made once per run, not once per
  // window (876,000 windows in one state made as many objects).
  let head: Entry | undefined;
  let to = 0;
  let count = 0;
  const close = (): void => {
    if (head === undefined) return;
    ranges.push({
      from: head.window.start,
      to,
      state: head.state,
      count,
      ...(head.reason === undefined ? {} : { reason: head.reason }),
      ...(head.forwardOnly ? { forwardOnly: true } : {}),
    });
  };
  for (const e of entries) {
    if (
      head !== undefined &&
      to === e.window.start &&
      head.state === e.state &&
      head.reason === e.reason &&
      (head.forwardOnly ?? false) === (e.forwardOnly ?? false)
    ) {
      to = e.window.end;
      count += e.count;
      continue;
    }
    close();
    head = e;
    to = e.window.end;
    count = e.count;
  }
  close();
  return ranges;
}

/**
 * A model whose windows build on earlier ones (an upsert, or one that reads itself) is right
 * only when every window before it is, and was applied before it: after the first window that
 * is stale, failed or missing (with windows built after it), or one applied before an earlier
 * window was rebuilt, the windows it built on are stale too.
 */
function chainStaleness(entries: Entry[], stale: Set<number>, grain: Grain): void {
  let broken: string | undefined;
  let partialBefore = false;
  let newest = -Infinity;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const seq = e.seq;
    if (e.state === 'done' && partialBefore)
      entries[i] = { ...e, state: 'partial', reason: 'it builds on a partial window' };
    if (e.state === 'partial') partialBefore = true;
    if (e.state === 'done' || e.state === 'partial') {
      if (broken === undefined && seq !== undefined && seq < newest)
        broken = `it was applied before an earlier window was rebuilt`;
      if (broken !== undefined) {
        entries[i] = { window: e.window, state: 'stale', reason: broken, count: e.count, seq };
        stale.add(e.window.start);
      }
    } else if (broken === undefined)
      broken = `the earlier window ${windowLabel({ start: e.window.start, end: addGrain(e.window.start, grain, 1) }, grain)} is ${e.state === 'missing' ? 'missing' : 'not done'}: it builds on it`;
    if (seq !== undefined) newest = Math.max(newest, seq);
  }
}
