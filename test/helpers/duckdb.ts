import { DuckDBInstance } from '@duckdb/node-api';

/** Rows of a query against a DuckDB file, opened and closed around the query. */
export async function queryFile(path: string, sql: string): Promise<Record<string, unknown>[]> {
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
 * Every row of every user table, sorted, and the newest ledger row of each window without
 * run ids and times. Upsert models' ledger rows count what each run staged, so a test can
 * leave their models out with `skipLedgerOf`.
 */
export async function snapshot(
  path: string,
  skipLedgerOf: readonly string[] = [],
): Promise<Record<string, string[]>> {
  const instance = await DuckDBInstance.create(path, { autoinstall_known_extensions: 'false' });
  const conn = await instance.connect();
  try {
    const tables = (
      await conn.runAndReadAll(
        `SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1, 2`,
      )
    ).getRowObjectsJson() as { table_schema: string; table_name: string }[];
    const out: Record<string, string[]> = {};
    for (const { table_schema: schema, table_name: name } of tables) {
      if (schema === 'etl_state' && name !== 'partitions') continue;
      const sql =
        schema === 'etl_state'
          ? `SELECT model, window_start, window_end, fingerprint, row_count, content_hash FROM etl_state.partitions
             WHERE model NOT IN (${skipLedgerOf.map((m) => `'${m}'`).join(', ') || 'NULL'})
             QUALIFY row_number() OVER (PARTITION BY model, window_start ORDER BY finished_at DESC) = 1`
          : `SELECT * FROM "${schema}"."${name}"`;
      const rows = (await conn.runAndReadAll(sql)).getRowObjectsJson();
      out[`${schema}.${name}`] = rows.map((r) => JSON.stringify(r)).sort();
    }
    return out;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
