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
  floorToGrain,
  windowLabel,
  windowsOverlapping,
  type Grain,
  type Window,
} from '../plan/window.js';
import { DAY_MS } from '../plan/window.js';
import { hashSeeds, openProject, type ProjectOptions } from './open-project.js';
import { renderModel } from '../compile/compile-project.js';
import { dayWindow } from '../plan/window.js';

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

/** Status of one incremental model. */
export interface ModelStatus {
  readonly name: string;
  readonly materialized: string;
  readonly grain: Grain;
  /** Windows from the model's start (or first built window) to the last closed one. */
  readonly windows: readonly WindowStatus[];
  /** A full refresh was interrupted: windows written into the table built aside so far. */
  readonly refreshing?: number;
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
    const windows: WindowStatus[] = [];
    if (first !== undefined) {
      const byStart = new Map(records.map((r) => [r.window.start, r]));
      const failedStarts = new Set((failed.get(name) ?? []).map((w) => w.start));
      const lastEnd = Math.max(floorToGrain(until, grain), records.at(-1)?.window.end ?? 0);
      for (const window of windowsOverlapping(first, lastEnd, grain)) {
        const record = byStart.get(window.start);
        if (failedStarts.has(window.start)) {
          stale.add(window.start);
          windows.push({ window, state: 'failed' });
          continue;
        }
        const standing = windowStanding(node, window, record, { versions, state, now });
        const upstream = standing.state === 'done' ? upstreamStale(window) : undefined;
        if (standing.state === 'missing') windows.push({ window, state: 'missing' });
        else if (standing.state === 'stale' || upstream !== undefined) {
          stale.add(window.start);
          windows.push({
            window,
            state: 'stale',
            reason: standing.state === 'stale' ? standing.reason : (upstream ?? ''),
          });
        } else
          windows.push({
            window,
            state: standing.partial === undefined ? 'done' : 'partial',
            ...(standing.partial === undefined ? {} : { reason: standing.partial }),
            ...(record?.forwardOnly ? { forwardOnly: true } : {}),
          });
      }
    }
    if (node.config.uniqueKey !== undefined || node.readsItself)
      chainStaleness(windows, new Map(records.map((r) => [r.window.start, r.seq])), stale, grain);
    // An upsert model is read as a whole.
    if (node.config.uniqueKey !== undefined && stale.size > 0) staleWhole.add(name);
    if (!selected.has(name)) continue;
    const refreshing = state.refreshing?.get(name);
    out.push({
      name,
      materialized: node.config.uniqueKey ? 'incremental (unique_key)' : 'incremental',
      grain,
      windows,
      ...(refreshing === undefined ? {} : { refreshing: refreshing.length }),
    });
  }
  return out;
}

/**
 * A model whose windows build on earlier ones (an upsert, or one that reads itself) is right
 * only when every window before it is, and was applied before it: after the first window that
 * is stale, failed or missing (with windows built after it), or one applied before an earlier
 * window was rebuilt, the windows it built on are stale too.
 */
function chainStaleness(
  windows: WindowStatus[],
  seqs: ReadonlyMap<number, number>,
  stale: Set<number>,
  grain: Grain,
): void {
  let broken: string | undefined;
  let partialBefore = false;
  let newest = -Infinity;
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i]!;
    const seq = seqs.get(w.window.start);
    if (w.state === 'done' && partialBefore)
      windows[i] = { ...w, state: 'partial', reason: 'it builds on a partial window' };
    if (w.state === 'partial') partialBefore = true;
    if (w.state === 'done' || w.state === 'partial') {
      if (broken === undefined && seq !== undefined && seq < newest)
        broken = `it was applied before an earlier window was rebuilt`;
      if (broken !== undefined) {
        windows[i] = { window: w.window, state: 'stale', reason: broken };
        stale.add(w.window.start);
      }
    } else if (broken === undefined)
      broken = `the earlier window ${windowLabel(w.window, grain)} is ${w.state === 'missing' ? 'missing' : 'not done'}: it builds on it`;
    if (seq !== undefined) newest = Math.max(newest, seq);
  }
}
