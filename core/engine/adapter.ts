import type { Dialect } from './dialect.js';

/** One row of a query result, with JavaScript values (bigint for 64-bit integers). */
export type Row = Record<string, unknown>;

/** A column of a relation. */
export interface Column {
  readonly name: string;
  readonly type: string;
}

/** The kind of an existing relation. */
export type RelationKind = 'table' | 'view';

/** A connection to the warehouse. Statements run one at a time. */
export interface Connection {
  /** The SQL of its engine, for what differs between engines. */
  readonly dialect: Dialect;
  /** Run one or more statements; rows are discarded. */
  run(sql: string): Promise<void>;
  /** Run one statement and return its rows. */
  query(sql: string): Promise<Row[]>;
  /**
   * Run statements in order, in as few round trips as the engine allows, and return the rows
   * of the last one. A failure stops the batch at the failing statement.
   */
  batch(statements: readonly string[]): Promise<Row[]>;
  /** Whether a table or view exists, and which. */
  relationKind(schema: string, name: string): Promise<RelationKind | undefined>;
  /** The columns of a relation given as SQL (e.g. `"main"."orders"`), in order. */
  columns(relation: string): Promise<Column[]>;
  /** Every table and view of the database. */
  relations(): Promise<{ schema: string; name: string; kind: RelationKind }[]>;
  /** The column names of every table of a schema. */
  schemaColumns(schema: string): Promise<{ table: string; column: string }[]>;
  /**
   * Load a CSV file with a header into `table`'s `columns`, streamed from this machine, for
   * engines that cannot read the file themselves (PostgreSQL's COPY FROM STDIN).
   */
  copyCsv?(table: string, columns: readonly string[], path: string): Promise<void>;
  close(): Promise<void>;
}

/** An open warehouse: where connections come from. Drivers live behind this interface. */
export interface Engine {
  /** The target as shown to users (passwords redacted). */
  readonly display: string;
  connect(): Promise<Connection>;
  close(): Promise<void>;
}

/**
 * Run `work` inside an explicit BEGIN ... COMMIT. On any error the transaction is rolled back
 * (never committed: a DuckDB COMMIT after a failed statement silently discards the work) and
 * the error rethrown.
 */
export async function inTransaction<T>(conn: Connection, work: () => Promise<T>): Promise<T> {
  await conn.run('BEGIN TRANSACTION');
  let result: T;
  try {
    result = await work();
  } catch (error) {
    try {
      await conn.run('ROLLBACK');
    } catch {
      // The original error is what matters; a failed ROLLBACK means nothing was kept anyway.
    }
    throw error;
  }
  await conn.run('COMMIT');
  return result;
}
