import type { Connection } from '../engine/adapter.js';
import type { Window } from '../time/window.js';
import { quoteString, sqlLiteral } from '../util/sql.js';
import { NEXT_SEQ, STATE_SCHEMA, ledgerColumns, ts } from './ledger.js';

/** Record a run's start (outside any data transaction). */
export function insertRunSql(run: {
  runId: string;
  command: string;
  args: unknown;
  startedAt: number;
}): string {
  return `INSERT INTO ${STATE_SCHEMA}.runs (run_id, command, arguments, started_at, status) VALUES (${quoteString(run.runId)}, ${quoteString(run.command)}, ${sqlLiteral(JSON.stringify(run.args))}, ${ts(run.startedAt)}, 'running')`;
}

/** Record a run's end with its failures and their error text. */
export function finishRunSql(run: {
  runId: string;
  finishedAt: number;
  status: string;
  failures: readonly unknown[];
}): string {
  return `UPDATE ${STATE_SCHEMA}.runs SET finished_at = ${ts(run.finishedAt)}, status = ${quoteString(run.status)}, failures = ${sqlLiteral(JSON.stringify(run.failures))} WHERE run_id = ${quoteString(run.runId)}`;
}

/** Record the windows of a failed step (outside the data transaction, which rolled back). */
export function insertFailureSql(failure: {
  runId: string;
  model: string;
  windows: readonly Window[];
  code: string;
  error: string;
  failedAt: number;
}): string {
  const rows = failure.windows.map(
    (w) =>
      `(${quoteString(failure.runId)}, ${quoteString(failure.model)}, ${ts(w.start)}, ${ts(w.end)}, ${quoteString(failure.code)}, ${quoteString(failure.error)}, ${ts(failure.failedAt)}, ${NEXT_SEQ})`,
  );
  return `INSERT INTO ${STATE_SCHEMA}.failures (run_id, model, window_start, window_end, code, error, failed_at, seq) VALUES ${rows.join(', ')}`;
}

/** Windows whose newest failure came after their newest ledger row, by model. */
export async function readFailedWindows(conn: Connection): Promise<Map<string, Window[]>> {
  const failed = new Map<string, Window[]>();
  const columns = await ledgerColumns(conn);
  if (!columns.has('failures')) return failed;
  // A ledger from before the commit order compares clocks, as it did then.
  const order = columns.get('failures')?.has('seq') ? 'seq' : undefined;
  const rows = await conn.query(
    `SELECT f.model, ${conn.dialect.epochMs('f.window_start')} AS s, ${conn.dialect.epochMs('f.window_end')} AS e
FROM (SELECT model, window_start, window_end, max(${order ?? 'failed_at'}) AS o FROM ${STATE_SCHEMA}.failures GROUP BY model, window_start, window_end) f
LEFT JOIN (SELECT model, window_start, max(${order ?? 'finished_at'}) AS o FROM ${STATE_SCHEMA}.partitions GROUP BY model, window_start) p
  ON p.model = f.model AND p.window_start = f.window_start
WHERE p.o IS NULL OR p.o < f.o
ORDER BY f.model, f.window_start`,
  );
  for (const r of rows) {
    const list = failed.get(String(r.model)) ?? [];
    list.push({ start: Number(r.s), end: Number(r.e) });
    failed.set(String(r.model), list);
  }
  return failed;
}
