import type { Connection, RelationKind } from '../engine/adapter.js';
import type { CompiledGraph } from '../compile/compiled-graph.js';
import { readModelBuilds, readPartitions, readSeedState, type PartitionRecord } from './ledger.js';

/** What the planner needs to know about the warehouse; read without writing anything. */
export interface WarehouseState {
  /** Existing relations of the project's nodes, by node name. */
  readonly relations: ReadonlyMap<string, RelationKind>;
  /** The newest ledger row of each window, by model. */
  readonly partitions: ReadonlyMap<string, readonly PartitionRecord[]>;
  /** The fingerprint of the newest build of each view and table. */
  readonly builds: ReadonlyMap<string, string>;
  /**
   * Windows whose ledger row count no longer matches the table (written outside etl), by
   * model: they are rebuilt, not trusted.
   */
  readonly drifted?: ReadonlyMap<string, ReadonlySet<number>>;
  /** The last load of each seed. */
  readonly seeds: ReadonlyMap<string, { readonly fileHash: string; readonly fingerprint: string }>;
}

/** An empty warehouse (nothing built yet). */
export const EMPTY_STATE: WarehouseState = {
  relations: new Map(),
  partitions: new Map(),
  builds: new Map(),
  seeds: new Map(),
};

/** Read the relations and ledger of a warehouse for the given compiled project. */
export async function readWarehouseState(
  conn: Connection,
  compiled: CompiledGraph,
): Promise<WarehouseState> {
  const rows = await conn.query(
    `SELECT table_schema, table_name, table_type FROM information_schema.tables`,
  );
  const existing = new Map<string, RelationKind>();
  for (const r of rows)
    existing.set(
      `${String(r.table_schema)}.${String(r.table_name)}`,
      r.table_type === 'VIEW' ? 'view' : 'table',
    );
  const relations = new Map<string, RelationKind>();
  for (const node of compiled.nodes.values()) {
    const kind = existing.get(`${node.schema}.${node.name}`);
    if (kind !== undefined) relations.set(node.name, kind);
  }
  const partitions = new Map<string, PartitionRecord[]>();
  for (const record of await readPartitions(conn)) {
    const list = partitions.get(record.model) ?? [];
    list.push(record);
    partitions.set(record.model, list);
  }
  return {
    relations,
    partitions,
    builds: await readModelBuilds(conn),
    seeds: await readSeedState(conn),
  };
}
