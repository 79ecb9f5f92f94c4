import type { Connection, Row } from '../engine/adapter.js';
import { failedTestsError } from '../testing/build-verifier.js';
import { runDataTest } from '../testing/run-data-tests.js';
import type { TestResult } from '../testing/test-result.js';
import type { CheckFailure, Purpose, Statement } from './statement.js';
import { Busy, BuiltElsewhere } from './claim.js';
import { STEP_BUSY } from '../engine/dialect.js';
import { errorMessage } from '../errors.js';

/** What a step's statements returned, in order, and its data tests' results. */
export interface StatementResults {
  readonly returned: readonly { readonly purpose: Purpose; readonly rows: Row[] }[];
  readonly tests: TestResult[];
}

/** The rows the statements of `purpose` returned, in order. */
export function rowsOf(results: StatementResults, purpose: Purpose): Row[] {
  return results.returned.filter((r) => r.purpose === purpose).flatMap((r) => r.rows);
}

/**
 * Run a step's statements in order on one connection. Statements that return nothing go to the
 * engine together with the next one that returns rows, in one batch; data tests run one by one
 * and, when one of error severity fails, stop the step before its COMMIT. Any failure rolls the
 * transaction back (never a COMMIT after a failed statement: DuckDB would silently discard the
 * work) and is rethrown.
 */
export async function runStatements(
  conn: Connection,
  statements: readonly Statement[],
): Promise<StatementResults> {
  const returned: { purpose: Purpose; rows: Row[] }[] = [];
  const tests: TestResult[] = [];
  const pending: string[] = [];
  try {
    for (const statement of statements) {
      if (statement.purpose === 'test') {
        await conn.batch(pending.splice(0));
        const result = await runDataTest(conn, statement.test, statement.sql);
        tests.push(result);
        // A test that could not run leaves the transaction aborted (PostgreSQL) or unusable:
        // the step fails with that error, and no later test is sent after it.
        if (result.status === 'error') throw failedTestsError(result.model ?? '', tests)!;
        continue;
      }
      if (statement.purpose === 'commit') {
        const failed = failedTestsError(tests[0]?.model ?? '', tests);
        if (failed !== undefined) throw failed;
      }
      pending.push(statement.sql);
      if (statement.returns !== true) continue;
      const rows = await conn.batch(pending.splice(0));
      returned.push({ purpose: statement.purpose, rows });
      if (statement.purpose === 'check') checkPassed(statement, rows, returned);
      if (statement.purpose === 'claim' && rows.length >= statement.all)
        throw new BuiltElsewhere(rows);
      if (statement.purpose === 'claim' && rows.length > 0 && statement.merged === true)
        throw new Busy();
    }
    await conn.batch(pending);
  } catch (error) {
    if (statements[0]?.purpose === 'begin') await conn.run('ROLLBACK').catch(() => undefined);
    if (errorMessage(error).includes(STEP_BUSY)) throw new Busy();
    throw error;
  }
  return { returned, tests };
}

/** A check found offending rows: the step that asked for it says what that means. */
export class CheckFailed extends Error {
  constructor(
    readonly code: CheckFailure,
    readonly n: number,
  ) {
    super(`${code}: ${n}`);
  }
}

/**
 * A check's rows hold `n`, the number of offending keys: any is a failure. A check against
 * the ledger counts the windows whose count or hash differs from the ledger rows returned.
 */
function checkPassed(
  statement: Extract<Statement, { purpose: 'check' }>,
  rows: Row[],
  returned: readonly { readonly purpose: Purpose; readonly rows: Row[] }[],
): void {
  let n = Number(rows[0]?.n ?? 0);
  if (statement.against === 'ledger') {
    const written = new Map<number, Row>();
    for (const r of returned)
      if (r.purpose === 'ledger') for (const row of r.rows) written.set(Number(row.w), row);
    n = rows.filter((row) => {
      const ledger = written.get(Number(row.w));
      return (
        ledger === undefined ||
        Number(ledger.row_count) !== Number(row.c) ||
        String(ledger.content_hash) !== String(row.h)
      );
    }).length;
  }
  if (n !== 0) throw new CheckFailed(statement.failure, n);
}
