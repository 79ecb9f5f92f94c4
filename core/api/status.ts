import { openEngine } from '../engine/open-engine.js';
import { isMissingFile } from '../engine/target.js';
import type { Engine } from '../engine/adapter.js';
import { selectNodes } from '../compile/selection.js';
import { readFailedWindows } from '../state/ledger.js';
import { EMPTY_STATE, readWarehouseState, type WarehouseState } from '../state/warehouse-state.js';
import { floorToGrain, windowsOverlapping, type Grain, type Window } from '../plan/window.js';
import { DAY_MS } from '../plan/window.js';
import { openProject, type ProjectOptions } from './open-project.js';

/** The state of one window of a model. */
export type WindowState = 'done' | 'stale' | 'failed' | 'missing';

/** Status of one incremental model. */
export interface ModelStatus {
  readonly name: string;
  readonly materialized: string;
  readonly grain: Grain;
  /** Windows from the model's start (or first built window) to the last closed one. */
  readonly windows: readonly { readonly window: Window; readonly state: WindowState }[];
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
 * closed one, as done (current fingerprint), stale (older fingerprint), failed (its newest
 * attempt failed) or missing. Writes nothing.
 */
export async function projectStatus(options: StatusOptions): Promise<ModelStatus[]> {
  const { compiled } = openProject(options);
  const selected = selectNodes(compiled, options.select, options.exclude);
  const until =
    options.until === undefined ? (options.clock ?? Date.now)() : options.until + DAY_MS;
  let state: WarehouseState = EMPTY_STATE;
  let failed = new Map<string, Window[]>();
  const { target } = compiled;
  if (!isMissingFile(target) || options.engine) {
    const engine = options.engine ?? (await openEngine(target));
    const conn = await engine.connect();
    try {
      state = await readWarehouseState(conn, compiled);
      failed = await readFailedWindows(conn);
    } finally {
      await conn.close();
      if (!options.engine) await engine.close();
    }
  }
  const out: ModelStatus[] = [];
  for (const name of compiled.graph.order) {
    const node = compiled.nodes.get(name);
    if (node?.kind !== 'model' || !selected.has(name) || node.config.materialized !== 'incremental')
      continue;
    const grain: Grain = node.config.uniqueKey !== undefined ? 'day' : node.config.grain;
    const records = state.partitions.get(name) ?? [];
    const first = node.config.start ?? records[0]?.window.start;
    const windows: ModelStatus['windows'][number][] = [];
    if (first !== undefined) {
      const byStart = new Map(records.map((r) => [r.window.start, r]));
      const failedStarts = new Set((failed.get(name) ?? []).map((w) => w.start));
      const lastEnd = Math.max(floorToGrain(until, grain), records.at(-1)?.window.end ?? 0);
      for (const window of windowsOverlapping(first, lastEnd, grain)) {
        const record = byStart.get(window.start);
        const windowState: WindowState = failedStarts.has(window.start)
          ? 'failed'
          : record === undefined
            ? 'missing'
            : record.fingerprint === node.fingerprint
              ? 'done'
              : 'stale';
        windows.push({ window, state: windowState });
      }
    }
    out.push({
      name,
      materialized: node.config.uniqueKey ? 'incremental (unique_key)' : 'incremental',
      grain,
      windows,
    });
  }
  return out;
}
