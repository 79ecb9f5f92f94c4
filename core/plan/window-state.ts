import type { CompiledModel } from '../compile/compiled-graph.js';
import { fingerprintChange } from '../compile/fingerprint.js';
import type { PartitionRecord } from '../state/ledger.js';
import type { WarehouseState } from '../state/warehouse-state.js';
import type { DataVersions } from './data-versions.js';
import type { Window } from '../time/window.js';

/** How a window stands against today's definition and data. */
export type WindowStanding =
  | { readonly state: 'missing' }
  | { readonly state: 'stale'; readonly reason: string }
  | {
      readonly state: 'done';
      /** Why it is partial, if it is. */
      readonly partial: string | undefined;
      /** Built under an older definition, accepted under this one (`--forward-only`). */
      readonly accept: boolean;
    };

/** Whether a ledger row was written under the model's current definition. */
export function currentDefinition(
  model: CompiledModel,
  record: { readonly fingerprint: string; readonly inputVersion: string | undefined },
): boolean {
  return (
    record.fingerprint === model.fingerprint ||
    // Rows from before data versions carry the fingerprint of that time.
    (record.inputVersion === undefined && record.fingerprint === model.legacyFingerprint)
  );
}

/**
 * How a window of a model stands: missing (no row, or one of another span), stale (built
 * under another definition, changed by hand, or from inputs that differ from today's, or
 * before its window closed when it has closed since), or done (possibly partial). A row from
 * before data versions is trusted as current. `forwardOnly` accepts a new definition.
 */
export function windowStanding(
  model: CompiledModel,
  window: Window,
  record: PartitionRecord | undefined,
  context: {
    readonly versions: DataVersions;
    readonly state: WarehouseState;
    readonly now: number;
    readonly forwardOnly?: boolean;
    /** Whether the table the record speaks of exists (default: the model's, in the state). */
    readonly tableExists?: boolean;
  },
): WindowStanding {
  if (record === undefined || record.window.end !== window.end) return MISSING;
  // Without its table the window's rows are gone, whatever the ledger says.
  if (!(context.tableExists ?? context.state.relations.get(model.name) === 'table')) return MISSING;
  let accept = false;
  if (!currentDefinition(model, record)) {
    if (!context.forwardOnly)
      return {
        state: 'stale',
        reason:
          record.inputVersion === undefined
            ? 'definition changed'
            : fingerprintChange(record.fingerprint, model.fingerprint),
      };
    accept = true;
  }
  if (context.state.drifted?.get(model.name)?.has(window.start))
    return { state: 'stale', reason: 'rows changed outside etl' };
  if (record.inputVersion === undefined) {
    // A row from before data versions is current until something it reads is written again.
    const changes = context.versions.changes(model, record);
    if (changes.length > 0) return { state: 'stale', reason: changes.join('; ') };
  } else {
    const now = context.versions.versionOf(model, window, record.inputStart ?? window.start);
    if (now.version !== record.inputVersion)
      return { state: 'stale', reason: context.versions.explain(model, record).join('; ') };
    if (record.partial?.includes('open') && context.now >= window.end)
      return { state: 'stale', reason: 'built before its window closed' };
    // A part it read was partial and is complete now, with the same rows.
    if (
      record.partial?.includes('inputs partial') &&
      !now.partialInputs &&
      !context.versions.chainPartial(model, window)
    )
      return { state: 'stale', reason: 'the windows it read were partial and are complete now' };
  }
  // The common case shared: no object a window.
  if (record.partial === undefined && !accept) return DONE;
  return { state: 'done', partial: record.partial, accept };
}

const MISSING: WindowStanding = Object.freeze({ state: 'missing' });
const DONE: WindowStanding = Object.freeze({ state: 'done', partial: undefined, accept: false });
