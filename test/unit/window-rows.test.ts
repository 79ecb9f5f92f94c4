import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DUCKDB, type WindowRow } from '../../core/engine/dialect.js';
import { ts } from '../../core/state/ledger.js';
import { quoteString } from '../../core/util/sql.js';

/**
 * DuckDB reads many windows' ledger values from one split text instead of a VALUES list
 * (which it binds slowly): the rows must be the same, NULLs included.
 */
let instance: DuckDBInstance;
let conn: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
});

const rowsOf = async (sql: string): Promise<string[]> =>
  (await conn.runAndReadAll(`SELECT s, e, iv, istart, part FROM (${sql}) ORDER BY s`))
    .getRowObjectsJson()
    .map((r) => JSON.stringify(r));

const values = (rows: readonly WindowRow[]): string =>
  `SELECT * FROM (VALUES ${rows
    .map(
      (r) =>
        `(${ts(r.start)}, ${ts(r.end)}, ${r.inputVersion === undefined ? 'CAST(NULL AS VARCHAR)' : quoteString(r.inputVersion)}, ${r.inputStart === undefined ? 'CAST(NULL AS TIMESTAMP)' : ts(r.inputStart)}, ${r.partial === undefined ? 'CAST(NULL AS VARCHAR)' : quoteString(r.partial)})`,
    )
    .join(', ')}) AS w(s, e, iv, istart, part)`;

describe('DuckDB window rows', () => {
  it('give the rows of a VALUES list', async () => {
    const partials = [undefined, 'open', 'inputs missing, inputs partial', "it's open"];
    const rows: WindowRow[] = Array.from({ length: 500 }, (_, i) => ({
      start: Date.UTC(2024, 0, 1) + i * 3_600_000 + (i % 3 === 0 ? 250 : 0),
      end: Date.UTC(2024, 0, 1) + (i + 1) * 3_600_000,
      inputVersion: i % 5 === 0 ? undefined : `v${i}.${(i * 7919).toString(16)}`,
      inputStart: i % 4 === 0 ? undefined : Date.UTC(2024, 0, 1) + (i - 2) * 3_600_000,
      partial: partials[i % partials.length],
    }));
    const split = DUCKDB.windowRows!(rows);
    expect(split).toBeDefined();
    expect(await rowsOf(split!)).toEqual(await rowsOf(values(rows)));
  });

  it('leave text they cannot carry to VALUES', () => {
    const row = { start: 0, end: 1, inputVersion: 'v', inputStart: undefined, partial: 'a|b' };
    expect(DUCKDB.windowRows!([row])).toBeUndefined();
    expect(DUCKDB.windowRows!([{ ...row, partial: 'a\nb' }])).toBeUndefined();
    expect(DUCKDB.windowRows!([{ ...row, partial: '' }])).toBeUndefined();
    expect(DUCKDB.windowRows!([{ ...row, partial: undefined }])).toBeDefined();
  });
});
