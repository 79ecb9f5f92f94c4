import type { Connection, RelationKind } from '../engine/adapter.js';
import type { CompiledGraph } from '../compile/compiled-graph.js';
import type { Window } from '../time/window.js';
import {
  REFRESHING,
  readLedgerSpans,
  readPartitions,
  type LedgerSpan,
  type PartitionRecord,
} from './ledger.js';
import { readBuilds, readSeedState, type BuildState, type SeedState } from './builds.js';

/** What the planner needs to know about the warehouse; read without writing anything. */
export interface WarehouseState {
  /** Existing relations of the project's nodes, by node name. */
  readonly relations: ReadonlyMap<string, RelationKind>;
  /**
   * The newest ledger row of each window, by model, in time order: all of them, or for the
   * models in {@link scoped}, those of the windows the plan can look at.
   */
  readonly partitions: ReadonlyMap<string, readonly PartitionRecord[]>;
  /**
   * Models whose windows were read in part (see ledgerScope), with what their whole ledger
   * says: every row of theirs was written under their current definition.
   */
  readonly scoped?: ReadonlyMap<string, LedgerSpan>;
  /** The newest build of each view, table and upsert model. */
  readonly builds: ReadonlyMap<string, BuildState>;
  /**
   * Windows whose ledger row count no longer matches the table (written outside etl), by
   * model: they are rebuilt, not trusted.
   */
  readonly drifted?: ReadonlyMap<string, ReadonlySet<number>>;
  /** The last load of each seed. */
  readonly seeds: ReadonlyMap<string, SeedState>;
  /**
   * Full refreshes in progress: the windows already written into the table built aside (which
   * exists), by model.
   */
  readonly refreshing?: ReadonlyMap<string, readonly PartitionRecord[]>;
}

/** What a plan can look at of the ledger (see ledgerScope in core/plan/ledger-scope.ts). */
export interface LedgerScope {
  /**
   * By incremental model, the span of window starts whose ledger rows are read (bounds
   * excluded; empty: none); models left out are read whole.
   */
  readonly spans: ReadonlyMap<string, Window>;
  /**
   * By model whose windows the plan looks at: how far before a window's start its recorded
   * input range may begin for the spans of its inputs to cover it, in ms.
   */
  readonly reach: ReadonlyMap<string, number>;
}

/**
 * Thrown by a plan over a state read in part (see ledgerScope) that rebuilds a model whole:
 * that reads every window of it and of its inputs, so it is planned again from the whole
 * ledger.
 */
export class WholeLedgerNeeded extends Error {
  constructor(readonly model: string) {
    super(`the plan rebuilds ${model} whole: it needs the whole ledger`);
  }
}

/** An empty warehouse (nothing built yet). */
export const EMPTY_STATE: WarehouseState = {
  relations: new Map(),
  partitions: new Map(),
  builds: new Map(),
  seeds: new Map(),
};

/** The table a full refresh of `name` builds aside before it is swapped in. */
export function refreshName(name: string): string {
  return `${name}__etl_refresh`;
}

/**
 * Read the relations and ledger of a warehouse for the given compiled project; with `scope`
 * (see ledgerScope), only the windows of each model a plan can look at, where the model's
 * table exists and its whole ledger was written under its current definition.
 */
export async function readWarehouseState(
  conn: Connection,
  compiled: CompiledGraph,
  scope?: LedgerScope,
): Promise<WarehouseState> {
  const existing = new Map<string, RelationKind>();
  for (const r of await conn.relations()) existing.set(`${r.schema}.${r.name}`, r.kind);
  const relations = new Map<string, RelationKind>();
  const asides: string[] = [];
  for (const node of compiled.nodes.values()) {
    const kind = existing.get(`${node.schema}.${node.name}`);
    if (kind !== undefined) relations.set(node.name, kind);
    if (existing.get(`${node.schema}.${refreshName(node.name)}`) === 'table')
      asides.push(node.name);
  }
  const refreshing =
    asides.length > 0
      ? await readPartitions(conn, { table: REFRESHING, models: asides })
      : new Map<string, PartitionRecord[]>();
  for (const name of asides) if (!refreshing.has(name)) refreshing.set(name, []);
  const { spans, scoped, narrowRead } = await narrow(conn, compiled, relations, scope);
  return {
    relations,
    partitions: await readPartitions(conn, { spans, ...(narrowRead ? { parts: 1 } : {}) }),
    ...(scoped.size > 0 ? { scoped } : {}),
    builds: await readBuilds(conn),
    seeds: await readSeedState(conn),
    refreshing,
  };
}

/**
 * Of the spans of `scope`, those that can be read alone: the model's table exists (else a
 * note counts its windows) and every ledger row of it has its current definition's
 * configuration (else the plan compares each window's, and may rebuild it whole).
 */
async function narrow(
  conn: Connection,
  compiled: CompiledGraph,
  relations: ReadonlyMap<string, RelationKind>,
  scope: LedgerScope | undefined,
): Promise<{
  spans: Map<string, Window>;
  scoped: Map<string, LedgerSpan>;
  /** The spans cover under half of the time their models' ledgers span. */
  narrowRead: boolean;
}> {
  const spans = new Map<string, Window>();
  const scoped = new Map<string, LedgerSpan>();
  if (scope === undefined) return { spans, scoped, narrowRead: false };
  const candidates = [...scope.spans.keys()].filter((name) => relations.get(name) === 'table');
  const summaries = await readLedgerSpans(conn, [
    ...new Set([...candidates, ...scope.reach.keys()]),
  ]);
  // A window recorded with a wider input range than its model's lookback gives now (lowered
  // since) is judged on that range, which the spans of its inputs may not cover: all is read.
  for (const [name, allowed] of scope.reach)
    if ((summaries.get(name)?.reach ?? 0) > allowed) return { spans, scoped, narrowRead: false };
  let covered = 0;
  let recorded = 0;
  for (const name of candidates) {
    const node = compiled.nodes.get(name);
    if (node?.kind !== 'model') continue;
    const summary = summaries.get(name);
    // No rows: reading none is reading all.
    if (summary === undefined) {
      spans.set(name, { start: 0, end: 0 });
      continue;
    }
    const config = node.fingerprint.split('.')[1];
    const current = summary.fingerprints.every((f) => {
      const parts = f.split('.');
      return parts.length === 3 && parts[1] === config;
    });
    if (!current) continue;
    const span = scope.spans.get(name)!;
    spans.set(name, span);
    scoped.set(name, summary);
    recorded += summary.last - summary.first + 1;
    covered += Math.max(
      0,
      Math.min(span.end, summary.last + 1) - Math.max(span.start, summary.first),
    );
  }
  return { spans, scoped, narrowRead: scoped.size > 0 && covered * 2 < recorded };
}
