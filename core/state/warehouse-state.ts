import type { Connection, RelationKind } from '../engine/adapter.js';
import type { CompiledGraph } from '../compile/compiled-graph.js';
import { REFRESHING, readPartitions, type PartitionRecord } from './ledger.js';
import { readBuilds, readSeedState, type BuildState, type SeedState } from './builds.js';

/** What the planner needs to know about the warehouse; read without writing anything. */
export interface WarehouseState {
  /** Existing relations of the project's nodes, by node name. */
  readonly relations: ReadonlyMap<string, RelationKind>;
  /** The newest ledger row of each window, by model, in time order. */
  readonly partitions: ReadonlyMap<string, readonly PartitionRecord[]>;
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

/** Read the relations and ledger of a warehouse for the given compiled project. */
export async function readWarehouseState(
  conn: Connection,
  compiled: CompiledGraph,
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
  return {
    relations,
    partitions: await readPartitions(conn),
    builds: await readBuilds(conn),
    seeds: await readSeedState(conn),
    refreshing,
  };
}
