import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { EngineError, EtlError, ExitCode, environmentError, errorMessage } from '../errors.js';
import { quoteIdent, quoteString } from '../util/sql.js';
import { POSTGRES } from './postgres-dialect.js';
import type { Column, Connection, Engine, RelationKind, Row } from './adapter.js';

/** A PostgreSQL target: the server's URL (without `schema`) and the schema models go to. */
export interface PostgresTarget {
  readonly url: string;
  readonly schema: string;
}

/**
 * Open a PostgreSQL server. Connections come from a pool; each sets its time zone to UTC
 * so that timestamps mean the same as on DuckDB. The usual PG* environment variables fill
 * what the URL leaves out (libpq's rules, through the driver).
 */
export async function openPostgres(target: PostgresTarget, display: string): Promise<Engine> {
  const pool = new pg.Pool({
    connectionString: target.url,
    types: { getTypeParser },
    // A window's transaction holds its connection: one per thread, plus bookkeeping.
    max: 32,
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection the server dropped is the pool's to replace, not a crash.
  pool.on('error', () => undefined);
  const types = new TypeNames();
  const watched = new WeakSet<pg.PoolClient>();
  const checkout = async (): Promise<pg.PoolClient> => {
    const client = await pool.connect();
    // A connection the server drops while this process holds it fails its query (which the
    // step reports or retries); the driver's error event must not crash the process.
    if (!watched.has(client)) {
      watched.add(client);
      client.on('error', () => undefined);
    }
    // No step waits forever for a lock another process holds: unless the URL sets its own
    // (`?options=-c lock_timeout=...`), a wait ends after a minute with an error, which is
    // transient and retried.
    const [, setting] = (await client.query(
      `SET TIME ZONE 'UTC'; SELECT current_setting('lock_timeout') AS t`,
    )) as unknown as pg.QueryResult<{ t: string }>[];
    if (setting?.rows[0]?.t === '0') await client.query(`SET lock_timeout = '${LOCK_TIMEOUT}'`);
    return client;
  };
  const connect = async (): Promise<Connection> => {
    let client: pg.PoolClient;
    try {
      client = await checkout();
    } catch (error) {
      const environment = environmentError(error, display);
      throw environment !== undefined && environment.code !== 'E_CONNECTION_LOST'
        ? environment
        : new EngineError(`cannot connect to ${display}: ${errorMessage(error)}`, error);
    }
    return new PostgresConnection(client, types, checkout, display);
  };
  // Fail at open, not at the first step, when the server cannot be reached.
  await (await connect()).close();
  return {
    display,
    connect,
    close: () => pool.end(),
  };
}

/** How long a step waits for a lock another process holds, unless the URL says otherwise. */
const LOCK_TIMEOUT = '60s';

/** int8 as bigint (as DuckDB gives it); timestamps without time zone as UTC instants. */
function getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === 20) return (value) => BigInt(value);
  if (oid === 1114) return (value) => new Date(`${value.replace(' ', 'T')}Z`);
  if (oid === 1082) return (value) => new Date(`${value}T00:00:00Z`);
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}

/** The SQL names of column types (`numeric(14,2)`), asked of the server once each. */
class TypeNames {
  private readonly names = new Map<string, string>();

  async of(client: pg.PoolClient, fields: readonly pg.FieldDef[]): Promise<string[]> {
    const key = (f: pg.FieldDef): string => `${f.dataTypeID}/${f.dataTypeModifier}`;
    const unknown = [...new Set(fields.map(key))].filter((k) => !this.names.has(k));
    if (unknown.length > 0) {
      const values = unknown.map((k) => `(${k.replace('/', ', ')})`).join(', ');
      const rows = await client.query<{ oid: number; mod: number; name: string }>(
        `SELECT t.oid::int AS oid, t.mod AS mod, format_type(t.oid::oid, t.mod) AS name FROM (VALUES ${values}) AS t(oid, mod)`,
      );
      for (const r of rows.rows) this.names.set(`${r.oid}/${r.mod}`, r.name);
    }
    return fields.map((f) => this.names.get(key(f)) ?? 'text');
  }
}

/**
 * A connection of the pool. One the server dropped (a restart, a network cut) is let go on
 * the error it gave, and the next statement takes a new one: a retried step runs on a live
 * connection, and one that cannot be had says the connection was lost.
 */
class PostgresConnection implements Connection {
  readonly dialect = POSTGRES;
  private client: pg.PoolClient | undefined;

  constructor(
    client: pg.PoolClient,
    private readonly types: TypeNames,
    private readonly checkout: () => Promise<pg.PoolClient>,
    private readonly display: string,
  ) {
    this.client = client;
  }

  /** Send `sql` on a live connection; a connection lost on the way is let go. */
  private async send(sql: string): Promise<pg.QueryResult> {
    const client = await this.live();
    try {
      return lastResult(await client.query(sql));
    } catch (error) {
      if (lostConnection(error)) {
        this.client = undefined;
        client.release(error instanceof Error ? error : true);
      }
      throw error;
    }
  }

  private async live(): Promise<pg.PoolClient> {
    if (this.client !== undefined) return this.client;
    try {
      this.client = await this.checkout();
      return this.client;
    } catch (error) {
      throw new EtlError(
        'E_CONNECTION_LOST',
        `lost the connection to ${this.display}: ${errorMessage(error)}`,
        {
          exitCode: ExitCode.failed,
          cause: error,
          hint: 'rerun the same command once the server is back: each window commits whole or not at all, so nothing was half-written, and the rerun skips what is done',
        },
      );
    }
  }

  async run(sql: string): Promise<void> {
    await this.send(sql);
  }

  async query(sql: string): Promise<Row[]> {
    return (await this.send(sql)).rows as Row[];
  }

  /** The simple query protocol runs statements joined by `;` in one round trip. */
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
      `SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')`,
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

  /** The columns of a relation or subquery: the fields of a query that returns no row. */
  async columns(relation: string): Promise<Column[]> {
    const result = await this.send(`SELECT * FROM ${relation} AS etl_d LIMIT 0`);
    const names = await this.types.of(await this.live(), result.fields);
    return result.fields.map((f, i) => ({ name: f.name, type: names[i] ?? 'text' }));
  }

  /** COPY FROM STDIN, the file streamed to the server. */
  async copyCsv(table: string, columns: readonly string[], path: string): Promise<void> {
    const copy = (await this.live()).query(
      copyFrom(
        `COPY ${table} (${columns.map(quoteIdent).join(', ')}) FROM STDIN WITH (FORMAT csv, HEADER true)`,
      ),
    );
    await pipeline(createReadStream(path), copy);
  }

  close(): Promise<void> {
    this.client?.release();
    this.client = undefined;
    return Promise.resolve();
  }
}

/** Whether an error means the connection itself is gone (not a statement's error). */
function lostConnection(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : '';
  if (
    typeof code === 'string' &&
    /^(57P0[123]|08\d{3}|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT)$/.test(code)
  )
    return true;
  return /Connection terminated|not queryable/i.test(errorMessage(error));
}

/** The result of the last statement of a query that may hold several. */
function lastResult(result: pg.QueryResult | pg.QueryResult[]): pg.QueryResult {
  if (!Array.isArray(result)) return result;
  const last = result[result.length - 1];
  if (last === undefined) throw new Error('no statement ran');
  return last;
}
