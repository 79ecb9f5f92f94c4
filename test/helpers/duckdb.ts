import { DuckDBInstance } from '@duckdb/node-api';
import type { Connection, Engine } from '../../core/engine/adapter.js';

type Rows = Record<string, unknown>[];

/** Rows of a query against a DuckDB file, opened and closed around the query. */
export async function queryFile(path: string, sql: string): Promise<Rows> {
  const instance = await DuckDBInstance.create(path, { autoinstall_known_extensions: 'false' });
  try {
    const conn = await instance.connect();
    try {
      const reader = await conn.runAndReadAll(sql);
      return reader.getRowObjectsJson();
    } finally {
      conn.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/**
 * Every row of every user table, sorted, and the newest ledger row of each window (its counts,
 * hashes, input version and whether it is partial) without run ids and times. Upsert models' ledger rows count what each run staged, so a test can
 * leave their models out with `skipLedgerOf`.
 */
export async function snapshot(
  path: string,
  skipLedgerOf: readonly string[] = [],
): Promise<Record<string, string[]>> {
  const instance = await DuckDBInstance.create(path, { autoinstall_known_extensions: 'false' });
  const conn = await instance.connect();
  try {
    return await snapshotWith(
      async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJson(),
      skipLedgerOf,
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** {@link snapshot} over an open etl connection. */
export function snapshotConnection(
  conn: Connection,
  skipLedgerOf: readonly string[] = [],
): Promise<Record<string, string[]>> {
  const json = (v: unknown): unknown =>
    typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : v;
  return snapshotWith(
    async (sql) =>
      (await conn.query(sql)).map((r) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, json(v)])),
      ),
    skipLedgerOf,
  );
}

async function snapshotWith(
  query: (sql: string) => Promise<Rows>,
  skipLedgerOf: readonly string[],
): Promise<Record<string, string[]>> {
  const tables = (await query(
    `SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_catalog NOT IN ('temp', 'system') ORDER BY 1, 2`,
  )) as { table_schema: string; table_name: string }[];
  const out: Record<string, string[]> = {};
  for (const { table_schema: schema, table_name: name } of tables) {
    if (schema === 'etl_state' && name !== 'partitions') continue;
    const sql =
      schema === 'etl_state'
        ? `SELECT model, window_start::VARCHAR AS window_start, window_end::VARCHAR AS window_end, fingerprint, row_count, content_hash, input_version, "partial" FROM etl_state.partitions
           WHERE ${skipLedgerOf.length === 0 ? 'true' : `model NOT IN (${skipLedgerOf.map((m) => `'${m}'`).join(', ')})`}
           QUALIFY row_number() OVER (PARTITION BY model, window_start ORDER BY seq DESC) = 1`
        : `SELECT * FROM "${schema}"."${name}"`;
    out[`${schema}.${name}`] = (await query(sql)).map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

/**
 * A checksum of every table of a DuckDB file (row count and an order-independent hash of the
 * rows), the ledger included; the run log (etl_state.runs and failures) is left out, since a
 * failed run is recorded there on purpose.
 */
export async function tableChecksums(path: string): Promise<Record<string, string>> {
  const instance = await DuckDBInstance.create(path, { autoinstall_known_extensions: 'false' });
  const conn = await instance.connect();
  try {
    const tables = (
      await conn.runAndReadAll(
        `SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1, 2`,
      )
    ).getRowObjectsJson() as { table_schema: string; table_name: string }[];
    const out: Record<string, string> = {};
    for (const { table_schema: schema, table_name: name } of tables) {
      if (schema === 'etl_state' && (name === 'runs' || name === 'failures')) continue;
      const [row] = (
        await conn.runAndReadAll(
          `SELECT count(*) AS n, coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR AS h FROM "${schema}"."${name}" AS t`,
        )
      ).getRowObjectsJson() as { n: string; h: string }[];
      out[`${schema}.${name}`] = `${row?.n ?? 0}:${row?.h ?? 0}`;
    }
    return out;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The newest ledger row's content hash of each window, as `model@start` (epoch ms). */
export async function windowHashes(conn: Connection): Promise<Map<string, string>> {
  if ((await conn.relationKind('etl_state', 'partitions')) === undefined) return new Map();
  const rows = await conn.query(
    `SELECT model, epoch_ms(window_start) AS s, content_hash FROM etl_state.partitions
     QUALIFY row_number() OVER (PARTITION BY model, window_start ORDER BY seq DESC) = 1`,
  );
  return new Map(rows.map((r) => [`${String(r.model)}@${Number(r.s)}`, String(r.content_hash)]));
}

/** Run `work` on a new connection of `engine`, closed afterwards. */
export async function withConnection<T>(
  engine: Engine,
  work: (conn: Connection) => Promise<T>,
): Promise<T> {
  const conn = await engine.connect();
  try {
    return await work(conn);
  } finally {
    await conn.close();
  }
}
