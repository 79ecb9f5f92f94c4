import { DuckDBInstance } from '@duckdb/node-api';
import { DAY_MS, formatTimestamp } from '../core/time/window.js';

const SELECT = 'id, ts, user_id, amount, amount * 1.2 AS gross';

/**
 * The floor of a per-window backfill: a bare script that runs, for each day, the statements
 * a window needs (BEGIN, DELETE, INSERT, a ledger INSERT, COMMIT) on one connection.
 * With `batchDays` > 1 it writes that many days per transaction. With `hashed`, its ledger row
 * counts and hashes the window's rows in the table, as etl's does (the content hash that data
 * versions compare): a second pass over the window, which the plain loop does not make.
 */
export async function bareWindows(
  path: string,
  source: string,
  first: number,
  days: number,
  batchDays = 1,
  hashed = false,
): Promise<void> {
  const instance = await DuckDBInstance.create(path, { autoinstall_known_extensions: 'false' });
  const conn = await instance.connect();
  try {
    await conn.run(`CREATE TABLE fct AS SELECT ${SELECT} FROM ${source} LIMIT 0`);
    await conn.run(
      'CREATE TABLE ledger (model VARCHAR, window_start TIMESTAMP, window_end TIMESTAMP, fingerprint VARCHAR, row_count BIGINT, content_hash VARCHAR, run_id VARCHAR, finished_at TIMESTAMP)',
    );
    for (let d = 0; d < days; d += batchDays) {
      const s = `TIMESTAMP '${formatTimestamp(first + d * DAY_MS)}'`;
      const e = `TIMESTAMP '${formatTimestamp(first + Math.min(days, d + batchDays) * DAY_MS)}'`;
      await conn.run('BEGIN TRANSACTION');
      await conn.run(`DELETE FROM fct WHERE ts >= ${s} AND ts < ${e}`);
      await conn.run(
        `INSERT INTO fct SELECT ${SELECT} FROM ${source} WHERE ts >= ${s} AND ts < ${e}`,
      );
      await conn.run(
        hashed
          ? `INSERT INTO ledger SELECT 'fct', ${s}, ${e}, 'f', count(*), sum(hash(r))::VARCHAR, 'r', now()::TIMESTAMP FROM (SELECT * FROM fct WHERE ts >= ${s} AND ts < ${e}) AS r`
          : `INSERT INTO ledger VALUES ('fct', ${s}, ${e}, 'f', 0, 'h', 'r', now()::TIMESTAMP)`,
      );
      await conn.run('COMMIT');
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** One CREATE TABLE AS over the whole range: the floor of a full refresh. */
export async function bareCtas(
  path: string,
  source: string,
  first: number,
  days: number,
): Promise<void> {
  const instance = await DuckDBInstance.create(path, { autoinstall_known_extensions: 'false' });
  const conn = await instance.connect();
  try {
    await conn.run(
      `CREATE TABLE fct AS SELECT ${SELECT} FROM ${source} WHERE ts >= TIMESTAMP '${formatTimestamp(first)}' AND ts < TIMESTAMP '${formatTimestamp(first + days * DAY_MS)}'`,
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The model the tool runs for the same work. */
export function eventsModel(source: string): string {
  return `{{ config(materialized='incremental', time_column='ts', grain='day', start='2023-01-01') }}
select ${SELECT.replace(' AS gross', ' as gross')}
from {{ source('raw', '${source}') }}
where ts >= {{ start }} and ts < {{ end }}
`;
}
