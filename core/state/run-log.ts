import { hostname } from 'node:os';
import type { Connection } from '../engine/adapter.js';
import type { Window } from '../time/window.js';
import { quoteString, sqlLiteral } from '../util/sql.js';
import { NEXT_SEQ, STATE_SCHEMA, ledgerColumns, ts } from './ledger.js';

/**
 * Record a run's start (outside any data transaction), with the process that runs it (its pid
 * and host, default this process's): a run left `running` by a process that is gone is
 * abandoned, which `etl status` tells.
 */
export function insertRunSql(run: {
  runId: string;
  command: string;
  args: unknown;
  startedAt: number;
  pid?: number;
  host?: string;
}): string {
  return `INSERT INTO ${STATE_SCHEMA}.runs (run_id, command, arguments, started_at, status, pid, host) VALUES (${quoteString(run.runId)}, ${quoteString(run.command)}, ${sqlLiteral(JSON.stringify(run.args))}, ${ts(run.startedAt)}, 'running', ${run.pid ?? process.pid}, ${quoteString(run.host ?? hostname())})`;
}

/** A run as `etl_state.runs` records it. */
export interface RunRecord {
  readonly runId: string;
  readonly command: string;
  /** As recorded: `running` until the run records its outcome. */
  readonly status: string;
  readonly startedAt: number;
  readonly finishedAt: number | undefined;
  /** The process that ran it (undefined in rows written before etl recorded it). */
  readonly pid: number | undefined;
  readonly host: string | undefined;
}

/**
 * The newest run, and the runs still recorded `running` that started after the newest run
 * that finished (newest first). A ledger without the runs table has none; one written before
 * runs recorded their process reads with no pid and host.
 */
export async function readRecentRuns(conn: Connection): Promise<RunRecord[]> {
  const columns = (await ledgerColumns(conn)).get('runs');
  if (columns === undefined) return [];
  const who = columns.has('pid') && columns.has('host') ? 'pid, host' : 'NULL AS pid, NULL AS host';
  const epochMs = (column: string): string => conn.dialect.epochMs(column);
  const rows = await conn.query(
    `SELECT run_id, command, status, ${epochMs('started_at')} AS s, ${epochMs('finished_at')} AS f, ${who}
FROM ${STATE_SCHEMA}.runs
WHERE started_at >= (SELECT max(started_at) FROM ${STATE_SCHEMA}.runs)
  OR (status = 'running' AND started_at > coalesce((SELECT max(started_at) FROM ${STATE_SCHEMA}.runs WHERE status <> 'running'), TIMESTAMP '1970-01-01 00:00:00'))
ORDER BY started_at DESC, run_id DESC
LIMIT 20`,
  );
  return rows.map((r) => ({
    runId: String(r.run_id),
    command: String(r.command),
    status: String(r.status),
    startedAt: Number(r.s),
    finishedAt: r.f === null || r.f === undefined ? undefined : Number(r.f),
    pid: r.pid === null || r.pid === undefined ? undefined : Number(r.pid),
    host: r.host === null || r.host === undefined ? undefined : String(r.host),
  }));
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
