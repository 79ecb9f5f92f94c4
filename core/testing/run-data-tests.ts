import { errorMessage } from '../errors.js';
import { subquery } from '../util/sql.js';
import type { Connection } from '../engine/adapter.js';
import { describeFailures, failingRowsSql, hasSampleRows } from './data-test-sql.js';
import type { DataTestSpec } from '../project/test-spec.js';
import type { TestResult } from './test-result.js';

const SAMPLE = 3;

/**
 * Run data tests on a connection (inside or outside a transaction). Each yields a result; a
 * failing test lists up to three failing rows. SQL errors are results too (`error`).
 */
export async function runDataTests(
  conn: Connection,
  tests: readonly DataTestSpec[],
  relationOf: (name: string) => string,
  scope?: string,
): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const test of tests)
    results.push(
      await runDataTest(
        conn,
        test,
        failingRowsSql(test, relationOf(test.model), relationOf, scope),
      ),
    );
  return results;
}

/** Run one data test whose failing rows `sql` selects. */
export async function runDataTest(
  conn: Connection,
  test: DataTestSpec,
  sql: string,
): Promise<TestResult> {
  const started = performance.now();
  try {
    const [count] = await conn.query(`SELECT count(*) AS n FROM ${subquery(sql)}`);
    const failures = Number(count?.n ?? 0);
    let message: string | undefined;
    if (failures > 0) {
      const sample = hasSampleRows(test)
        ? `, e.g. ${(await sampleRows(conn, sql)).map(formatRow).join('; ')}`
        : '';
      message = `${describeFailures(test, failures)}${test.where ? ` (where ${test.where})` : ''}${sample}`;
    }
    return {
      name: test.name,
      type: 'data',
      model: test.model,
      status: failures === 0 ? 'pass' : test.severity === 'warn' ? 'warn' : 'fail',
      failures,
      message,
      durationMs: performance.now() - started,
    };
  } catch (error) {
    return {
      name: test.name,
      type: 'data',
      model: test.model,
      status: 'error',
      failures: 0,
      message: errorMessage(error).split('\n')[0],
      durationMs: performance.now() - started,
    };
  }
}

/** `{id: 1, status: cancelled}` */
export function formatRow(row: Record<string, unknown>): string {
  return `{${Object.entries(row)
    .map(([k, v]) => `${k}: ${formatValue(v)}`)
    .join(', ')}}`;
}

function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof Date)
    return v
      .toISOString()
      .replace('T', ' ')
      .replace(/( 00:00:00)?\.000Z$/, '');
  if (typeof v === 'object')
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

/** Up to three rows of a query, as text (so that decimals keep their scale). */
export function sampleRows(conn: Connection, sql: string): Promise<Record<string, unknown>[]> {
  return conn.query(conn.dialect.sampleAsText(sql, SAMPLE));
}
