import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/**
 * A database of its own on the test run's PostgreSQL server (test files run in parallel),
 * and a function that drops it.
 */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = inject('postgresUrl');
  const name = `etl_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = server.replace(/\/postgres$/, `/${name}`);
  return {
    url,
    drop: async () => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * Every row of every table of a PostgreSQL database (but the ledger's other tables), sorted,
 * and the newest ledger row of each window (counts, hashes, input version, partial) without
 * run ids and times: the PostgreSQL counterpart of the DuckDB `snapshot`. Upsert models'
 * ledger rows count what each run staged, so a test can leave them out with `skipLedgerOf`.
 */
export async function snapshotPostgres(
  url: string,
  skipLedgerOf: readonly string[] = [],
): Promise<Record<string, string[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET TIME ZONE 'UTC'`);
    const tables = await client.query<{ s: string; t: string }>(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
       ORDER BY 1, 2`,
    );
    const out: Record<string, string[]> = {};
    for (const { s, t } of tables.rows) {
      if (s === 'etl_state' && t !== 'partitions') continue;
      const skip = skipLedgerOf.map((m) => `'${m}'`).join(', ');
      const sql =
        s === 'etl_state'
          ? `SELECT DISTINCT ON (model, window_start) model, window_start::text AS window_start, window_end::text AS window_end, fingerprint, row_count::text AS row_count, content_hash, input_version, "partial"
             FROM etl_state.partitions WHERE ${skip === '' ? 'true' : `model NOT IN (${skip})`}
             ORDER BY model, window_start, seq DESC`
          : `SELECT * FROM "${s}"."${t}"`;
      const rows = await client.query(sql);
      out[`${s}.${t}`] = rows.rows.map((r) => JSON.stringify(r)).sort();
    }
    return out;
  } finally {
    await client.end();
  }
}
