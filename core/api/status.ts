import { openEngine } from '../engine/open-engine.js';
import { isMissingFile } from '../engine/target.js';
import type { Engine } from '../engine/adapter.js';
import { selectNodes } from '../compile/selection.js';
import { readFailedWindows } from '../state/run-log.js';
import { EMPTY_STATE, readWarehouseState, type WarehouseState } from '../state/warehouse-state.js';
import { DataVersions } from '../plan/data-versions.js';
import { currentDefinition, windowStanding } from '../plan/window-state.js';
import { labelRanges } from '../plan/data-versions.js';
import {
  addGrain,
  countWindows,
  floorToGrain,
  windowLabel,
  type Grain,
  type Window,
} from '../time/window.js';
import { DAY_MS } from '../time/window.js';
import { hashSeeds, openProject, type ProjectOptions } from './open-project.js';
import { renderModel } from '../compile/compile-project.js';
import { dayWindow } from '../time/window.js';

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
  /** Show windows closed by the end of this day (epoch ms); default: now. */
  readonly until?: number;
  readonly engine?: Engine;
}

/**
 * `etl status`: for each selected incremental model, every window from its start to the last
 * closed one: done, partial (built before its window closed or with inputs missing), stale
 * (built under another definition or from inputs that changed since, with the reason), failed
 * (its newest attempt failed) or missing. Writes nothing.
 */
export async function projectStatus(options: StatusOptions): Promise<ModelStatus[]> {
  const { compiled } = openProject(options);
  const selected = selectNodes(compiled, options.select, options.exclude);
  const now = (options.clock ?? Date.now)();
  const until = options.until === undefined ? now : options.until + DAY_MS;
  let state: WarehouseState = EMPTY_STATE;
  let failed = new Map<string, Window[]>();
  const { target } = compiled;
  if (!isMissingFile(target) || options.engine) {
    const engine = options.engine ?? (await openEngine(target, { readOnly: true }));
    const conn = await engine.connect();
    try {
      state = await readWarehouseState(conn, compiled);
      failed = await readFailedWindows(conn);
    } finally {
      await conn.close();
      if (!options.engine) await engine.close();
    }
  }
  // Seeds as they are on disk: a seed edited since it was loaded makes its readers stale.
  const versions = new DataVersions(
    compiled,
    state,
    hashSeeds(compiled, new Set(compiled.nodes.keys())),
  );
  // Tables are rendered for the day `run` would render them with: the last closed one.
  const runDay = dayWindow(Math.floor((until - 1) / DAY_MS) * DAY_MS);
  const out: ModelStatus[] = [];
  // What is stale, by model (window starts) or as a whole (tables): a window that reads a
  // stale part is stale too, though its own inputs did not change yet.
  const staleWindows = new Map<string, Set<number>>();
  const staleWhole = new Set<string>();
  for (const name of compiled.graph.order) {
    const node = compiled.nodes.get(name);
    if (node?.kind !== 'model') continue;
    if (node.config.materialized === 'table') {
      const build = state.builds.get(name);
      const upstreamStale = versions
        .inputsOf(name)
        .some((i) => staleWhole.has(i.name) || (staleWindows.get(i.name)?.size ?? 0) > 0);
      if (
        build !== undefined &&
        (!currentDefinition(node, build) ||
          (build.inputVersion !== undefined &&
            build.inputVersion !==
              versions.versionOfWhole(
                node,
                renderModel(compiled, node, { window: runDay, isIncremental: false }),
              ).version) ||
          upstreamStale)
      )
        staleWhole.add(name);
      continue;
    }
    if (node.config.materialized !== 'incremental') continue;
    const stale = new Set<number>();
    staleWindows.set(name, stale);
    const upstreamStale = (window: Window): string | undefined => {
      for (const input of versions.inputsOf(name)) {
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
    };
    const grain: Grain = node.config.uniqueKey !== undefined ? 'day' : node.config.grain;
    const records = state.partitions.get(name) ?? [];
    const first = node.config.start ?? records[0]?.window.start;
    const entries: Entry[] = [];
    if (first !== undefined) {
      const byStart = new Map(records.map((r) => [r.window.start, r]));
      const failedStarts = new Set((failed.get(name) ?? []).map((w) => w.start));
      // The first window starts at or after the model's start (a start inside a week or a
      // month leaves that window out, as every command does).
      const from =
        floorToGrain(first, grain) < first ? addGrain(floorToGrain(first, grain), grain, 1) : first;
      const last = Math.max(floorToGrain(until, grain), records.at(-1)?.window.end ?? 0);
      const lastEnd =
        floorToGrain(last, grain) < last ? addGrain(floorToGrain(last, grain), grain, 1) : last;
      // Only windows with a ledger row or a failure need a look: between them, none is built.
      const looked = [...new Set([...byStart.keys(), ...failedStarts])]
        .filter((s) => s >= from && s < lastEnd && floorToGrain(s, grain) === s)
        .sort((a, b) => a - b);
      let cursor = from;
      const gap = (to: number): void => {
        if (to > cursor)
          entries.push({
            window: { start: cursor, end: to },
            state: 'missing',
            count: countWindows(cursor, to, grain),
          });
      };
      for (const start of looked) {
        gap(start);
        const window = { start, end: addGrain(start, grain, 1) };
        cursor = window.end;
        const record = byStart.get(start);
        const seq = record?.seq;
        if (failedStarts.has(start)) {
          stale.add(start);
          entries.push({ window, state: 'failed', count: 1, seq });
          continue;
        }
        const standing = windowStanding(node, window, record, { versions, state, now });
        const upstream = standing.state === 'done' ? upstreamStale(window) : undefined;
        if (standing.state === 'missing') entries.push({ window, state: 'missing', count: 1, seq });
        else if (standing.state === 'stale' || upstream !== undefined) {
          stale.add(start);
          entries.push({
            window,
            state: 'stale',
            reason: standing.state === 'stale' ? standing.reason : (upstream ?? ''),
            count: 1,
            seq,
          });
        } else
          entries.push({
            window,
            state: standing.partial === undefined ? 'done' : 'partial',
            ...(standing.partial === undefined ? {} : { reason: standing.partial }),
            ...(record?.forwardOnly ? { forwardOnly: true } : {}),
            count: 1,
            seq,
          });
      }
      gap(lastEnd);
    }
    if (node.config.uniqueKey !== undefined || node.readsItself)
      chainStaleness(entries, stale, grain);
    // An upsert model is read as a whole.
    if (node.config.uniqueKey !== undefined && stale.size > 0) staleWhole.add(name);
    if (!selected.has(name)) continue;
    const refreshing = state.refreshing?.get(name);
    const ranges = toRanges(entries);
    const counts = { done: 0, partial: 0, stale: 0, failed: 0, missing: 0 };
    let forwardOnly = 0;
    for (const r of ranges) {
      counts[r.state] += r.count;
      if (r.forwardOnly) forwardOnly += r.count;
    }
    out.push({
      name,
      materialized: node.config.uniqueKey ? 'incremental (unique_key)' : 'incremental',
      grain,
      ranges,
      counts,
      forwardOnly,
      ...(refreshing === undefined ? {} : { refreshing: refreshing.length }),
    });
  }
  return out;
}

/** A window (or a run of windows never built) of a model, as status works them out. */
interface Entry {
  readonly window: Window;
  readonly state: WindowState;
  readonly reason?: string;
  readonly forwardOnly?: boolean;
  readonly count: number;
  /** The commit order of its ledger row. */
  readonly seq?: number | undefined;
}

/** Consecutive entries of the same state, reason and acceptance, merged. */
function toRanges(entries: readonly Entry[]): StatusRange[] {
  const ranges: StatusRange[] = [];
  for (const e of entries) {
    const last = ranges.at(-1);
    if (
      last !== undefined &&
      last.to === e.window.start &&
      last.state === e.state &&
      last.reason === e.reason &&
      (last.forwardOnly ?? false) === (e.forwardOnly ?? false)
    )
      ranges[ranges.length - 1] = { ...last, to: e.window.end, count: last.count + e.count };
    else
      ranges.push({
        from: e.window.start,
        to: e.window.end,
        state: e.state,
        count: e.count,
        ...(e.reason === undefined ? {} : { reason: e.reason }),
        ...(e.forwardOnly ? { forwardOnly: true } : {}),
      });
  }
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
