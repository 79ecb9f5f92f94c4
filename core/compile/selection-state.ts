import { UsageError } from '../errors.js';
import type { CompiledGraph } from './compiled-graph.js';

/** What a selection may compare with beyond the project: the warehouse, for `state:`. */
export interface SelectionContext {
  /**
   * Per node, the fingerprints of its ledger rows (the newest row of each window, the newest
   * build, the last seed load). A node without an entry was never built.
   */
  readonly builtFingerprints?: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * The parts of the warehouse state `state:` reads. Written out rather than imported, so that
 * compile does not depend on the state folder (which depends on compile).
 */
export interface BuiltState {
  readonly partitions: ReadonlyMap<string, readonly BuiltRecord[]>;
  readonly builds: ReadonlyMap<string, BuiltRecord>;
  readonly seeds: ReadonlyMap<string, { readonly fingerprint: string; readonly fileHash: string }>;
}

interface BuiltRecord {
  readonly fingerprint: string;
  readonly inputVersion: string | undefined;
}

/**
 * The `state:` context from the ledger. `seedHashes` (the seed files' hashes now) makes an
 * edited seed file count as modified, as dbt compares a seed's checksum.
 */
export function stateContext(
  compiled: CompiledGraph,
  state: BuiltState,
  seedHashes: ReadonlyMap<string, string> = new Map(),
): SelectionContext {
  const built = new Map<string, Set<string>>();
  const add = (name: string, fingerprint: string | undefined): void => {
    const set = built.get(name) ?? new Set<string>();
    if (fingerprint !== undefined) set.add(fingerprint);
    built.set(name, set);
  };
  for (const node of compiled.nodes.values()) {
    if (node.kind === 'seed') {
      const loaded = state.seeds.get(node.name);
      if (loaded === undefined) continue;
      const hash = seedHashes.get(node.name);
      // An edited file leaves the entry empty: loaded once, so modified but not new.
      add(
        node.name,
        hash === undefined || hash === loaded.fileHash ? loaded.fingerprint : undefined,
      );
      continue;
    }
    const records = [...(state.partitions.get(node.name) ?? [])];
    const build = state.builds.get(node.name);
    if (build !== undefined) records.push(build);
    for (const r of records)
      // A row from before data versions carries the fingerprint of that time for the same
      // definition (as currentDefinition in plan/window-state.ts reads it).
      add(
        node.name,
        r.inputVersion === undefined && r.fingerprint === node.legacyFingerprint
          ? node.fingerprint
          : r.fingerprint,
      );
  }
  return { builtFingerprints: built };
}

/**
 * `state:modified` (new, or built under another fingerprint than the current one) and
 * `state:new` (never built).
 */
export function selectByState(
  compiled: CompiledGraph,
  value: string,
  context: SelectionContext | undefined,
  flag: string,
): Set<string> {
  if (value !== 'modified' && value !== 'new')
    throw new UsageError(`unknown state:${value}`, flag, 'supported: state:modified, state:new');
  const built = context?.builtFingerprints;
  if (built === undefined)
    throw new UsageError(
      `state:${value} needs a warehouse to compare with: this command does not read one`,
      flag,
      'use it with etl plan, build, backfill, run, seed or status',
    );
  const found = new Set<string>();
  for (const node of compiled.nodes.values()) {
    const fingerprints = built.get(node.name);
    if (fingerprints === undefined || (value === 'modified' && !fingerprints.has(node.fingerprint)))
      found.add(node.name);
  }
  return found;
}
