import { createRequire } from 'node:module';
import type * as DuckDBApi from '@duckdb/node-api';
import { EngineError, WarehouseInUseError, environmentError, errorMessage } from '../errors.js';
import { quoteString } from '../util/sql.js';
import { DUCKDB } from './dialect.js';
import type { Column, Connection, Engine, RelationKind, Row } from './adapter.js';

// The driver is CommonJS: required rather than imported, since Node's ESM loader first scans
// each of its modules' source for their export names (about 150 ms of every command's start).
const { DuckDBInstance } = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDBApi;
type DuckDBInstance = DuckDBApi.DuckDBInstance;
type DuckDBConnection = DuckDBApi.DuckDBConnection;

/** One instance per database file per process: two can silently lose a table (DESIGN §4). */
const instances = new Map<string, { instance: DuckDBInstance; users: number }>();

/** Open a DuckDB file (or `:memory:`). A file locked by another process is a clear error. */
export async function openDuckDB(
  path: string,
  display = `duckdb:${path}`,
  options: { readOnly?: boolean } = {},
): Promise<Engine> {
  const memory = path === ':memory:';
  const readOnly = (options.readOnly ?? false) && !memory;
  // A writer's instance serves readers of the same process too.
  const key = readOnly && instances.has(path) ? path : readOnly ? `${path}\u0000ro` : path;
  let entry = memory ? undefined : instances.get(key);
  if (!entry) {
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, {
        autoinstall_known_extensions: 'false',
        // Commands that only read open the file read-only: they work on a file or folder they
        // cannot write, and let other readers in.
        ...(readOnly ? { access_mode: 'READ_ONLY' } : {}),
        // DuckDB keeps what it wrote cached up to 80% of RAM by default; a limit bounds it.
        ...(process.env.ETL_DUCKDB_MEMORY_LIMIT
          ? { memory_limit: process.env.ETL_DUCKDB_MEMORY_LIMIT }
          : {}),
      });
    } catch (error) {
      const message = errorMessage(error);
      if (/Could not set lock on file|Conflicting lock/i.test(message)) {
        const pid = /PID (\d+)/i.exec(message)?.[1];
        throw new WarehouseInUseError(display, pid === undefined ? undefined : Number(pid), error);
      }
      throw (
        environmentError(error, path) ??
        new EngineError(`cannot open warehouse ${display}: ${message}`, error)
      );
    }
    entry = { instance, users: 0 };
    if (!memory) instances.set(key, entry);
  }
  entry.users += 1;
  const opened = entry;
  let closed = false;
  return {
    display,
    async connect(): Promise<Connection> {
      const conn = await opened.instance.connect();
      await conn.run(`SET TimeZone = 'UTC'`);
      return new DuckDBConnectionAdapter(conn);
    },
    close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      opened.users -= 1;
      if (opened.users === 0) {
        if (!memory) instances.delete(key);
        opened.instance.closeSync();
      }
      return Promise.resolve();
    },
  };
}

class DuckDBConnectionAdapter implements Connection {
  readonly dialect = DUCKDB;
  constructor(private readonly conn: DuckDBConnection) {}

  async run(sql: string): Promise<void> {
    await this.conn.run(sql);
  }

  async query(sql: string): Promise<Row[]> {
    const reader = await this.conn.runAndReadAll(sql);
    return reader.getRowObjectsJS();
  }

  /** DuckDB runs statements joined by `;` in one call and returns the last one's rows. */
  async batch(statements: readonly string[]): Promise<Row[]> {
    if (statements.length === 0) return [];
    return this.query(statements.join(';\n'));
  }

  async relationKind(schema: string, name: string): Promise<RelationKind | undefined> {
    const rows = await this.query(
      `SELECT table_type FROM information_schema.tables WHERE table_schema = ${quoteString(schema)} AND table_name = ${quoteString(name)}`,
    );
    const type = rows[0]?.table_type;
    if (type === undefined) return undefined;
    return type === 'VIEW' ? 'view' : 'table';
  }

  async relations(): Promise<{ schema: string; name: string; kind: RelationKind }[]> {
    const rows = await this.query(
      `SELECT table_schema, table_name, table_type FROM information_schema.tables`,
    );
    return rows.map((r) => ({
      schema: String(r.table_schema),
      name: String(r.table_name),
      kind: r.table_type === 'VIEW' ? 'view' : 'table',
    }));
  }

  async schemaColumns(schema: string): Promise<{ table: string; column: string }[]> {
    const rows = await this.query(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ${quoteString(schema)}`,
    );
    return rows.map((r) => ({ table: String(r.table_name), column: String(r.column_name) }));
  }

  async columns(relation: string): Promise<Column[]> {
    const rows = await this.query(`DESCRIBE SELECT * FROM ${relation}`);
    return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  }

  close(): Promise<void> {
    this.conn.closeSync();
    return Promise.resolve();
  }
}
