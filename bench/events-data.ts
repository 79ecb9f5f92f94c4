import { DuckDBInstance } from '@duckdb/node-api';

/** The first day of the generated events (365 days follow). */
export const FIRST_DAY = '2023-01-01';
export const LAST_DAY = '2023-12-31';

/**
 * Generate `rows` events over 365 days into a DuckDB file, deterministically (values come
 * from hash(i), not from a random generator): `events` sorted by time, as a table loaded
 * in time order would be, and `events_unsorted`, the same rows in id order.
 */
export async function generateEvents(path: string, rows: number): Promise<void> {
  const instance = await DuckDBInstance.create(path, { autoinstall_known_extensions: 'false' });
  const conn = await instance.connect();
  try {
    await conn.run(`CREATE TABLE events_unsorted AS
SELECT i AS id,
  TIMESTAMP '${FIRST_DAY} 00:00:00' + to_seconds((hash(i) % 31536000)::BIGINT) AS ts,
  (hash(i * 7 + 1) % 100000)::INTEGER AS user_id,
  ((hash(i * 13 + 5) % 100000) / 100.0)::DECIMAL(10, 2) AS amount
FROM range(${rows}) AS t(i)`);
    await conn.run(`CREATE TABLE events AS SELECT * FROM events_unsorted ORDER BY ts`);
    await conn.run('CHECKPOINT');
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
