import type { CompiledModel } from '../compile/compiled-graph.js';
import type { LedgerSpan, PartitionRecord } from '../state/ledger.js';
import type { BuildState } from '../state/builds.js';
import type { RelationKind } from '../engine/adapter.js';
import { addGrain, floorToGrain, formatDay, type Window } from '../time/window.js';

/**
 * Why a model's table must be rebuilt whole rather than window by window, if it must:
 * - its windows build on earlier ones (an upsert, or a model that reads itself) and a window
 *   before its last recorded one is to be rebuilt, or its windows were applied out of
 *   time order (a crash in the middle of an older etl's replay): the table is only right built
 *   from its start, in order (rows of keys no later window writes would stay otherwise);
 * - recorded windows do not fit its grain, were built under another time column, unique key,
 *   schema or materialization, or lie before its start: rows of the old layout would stay;
 * - its relation was last written as a view or a table (the model was one before): its rows
 *   are not windows, and old windows in the ledger no longer describe them.
 */
export function refreshCause(
  node: CompiledModel,
  recorded: readonly PartitionRecord[],
  todo: readonly { readonly window: Window }[],
  relation: { readonly kind: RelationKind | undefined; readonly build: BuildState | undefined },
  /** For a model whose windows were read in part: what its whole ledger says. */
  scoped?: LedgerSpan,
): string | undefined {
  // What holds the name now was written as a view or a table, not window by window.
  const newestWindow =
    scoped?.newestSeq ?? recorded.reduce((n, r) => Math.max(n, r.seq), -Infinity);
  if (
    relation.kind === 'view' ||
    (relation.kind === 'table' &&
      relation.build !== undefined &&
      relation.build.materialized !== 'incremental' &&
      relation.build.seq >= newestWindow)
  )
    return 'full refresh: it was built as a view or table before';
  const { config } = node;
  const grain = config.uniqueKey !== undefined ? 'day' : config.grain;
  if (scoped !== undefined) {
    // Every row of it has this definition's grain and layout (else it is read whole), and its
    // windows do not build on earlier ones (those are read whole too).
    if (config.start !== undefined && scoped.first < config.start)
      return `full refresh: windows before its start (${formatDay(config.start)}) leave the table`;
    return undefined;
  }
  if (recorded.length === 0) return undefined;
  const first = recorded[0]!;
  if (config.start !== undefined && first.window.start < config.start)
    return `full refresh: windows before its start (${formatDay(config.start)}) leave the table`;
  for (const r of [first, recorded[recorded.length - 1]!])
    if (
      floorToGrain(r.window.start, grain) !== r.window.start ||
      addGrain(r.window.start, grain, 1) !== r.window.end
    )
      return `full refresh: its windows were built at another grain`;
  // Records share their fingerprints' strings: each distinct one is looked at once.
  const configPart = node.fingerprint.split('.')[1];
  let seen = '';
  for (const r of recorded) {
    if (r.fingerprint === seen) continue;
    seen = r.fingerprint;
    const parts = seen.split('.');
    if (parts.length === 3 && parts[1] !== configPart)
      return 'full refresh: its time column, grain, key, schema or materialization changed';
  }
  if (config.uniqueKey === undefined && !node.readsItself) return undefined;
  // The last window is written again in place (its rows replace its rows, by key or time),
  // as is any window after it; an earlier one means rebuilding from the start.
  const last = recorded[recorded.length - 1]!.window.start;
  if (todo.some((t) => t.window.start < last))
    return 'full refresh: its windows build on earlier ones, and history is rebuilt from its start';
  for (let i = 1; i < recorded.length; i++)
    if (recorded[i]!.seq < recorded[i - 1]!.seq)
      return 'full refresh: its windows were applied out of order';
  return undefined;
}
