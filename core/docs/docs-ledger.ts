import type { Connection } from '../engine/adapter.js';
import { redactSecrets } from '../engine/target.js';
import { STATE_SCHEMA, ledgerColumns } from '../state/ledger.js';

/**
 * What the site shows of the ledger beyond `etl status`: each window's newest row (rows,
 * content hash, run, when), the error of each failed window, and the last runs with what
 * they committed. Read-only, one query per table: the cost is the ledger's size once, not a
 * round trip per window.
 */

/** The windows of one model with a ledger row or a failure, as columns (compact in the page). */
export interface WindowDetails {
  /** Window starts (epoch ms), ascending. */
  readonly start: number[];
  /** Rows of the newest ledger row; null for a window that only failed. */
  readonly rows: (number | null)[];
  /** Content hash of the newest row (its first 16 characters), or null. */
  readonly hash: (string | null)[];
  /** The run that wrote (or failed) it: an index into {@link DocsLedger.runIds}. */
  readonly run: number[];
  /** When it was committed, or when it failed (epoch ms). */
  readonly at: number[];
  /** Why its newest attempt failed (failed windows only), else null. */
  readonly error: (string | null)[];
}

/** One run as the ledger's runs table records it, with what it committed. */
export interface DocsRun {
  readonly run_id: string;
  readonly command: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly status: string;
  /** ISO-8601 UTC. */
  readonly started_at: string;
  readonly finished_at: string | null;
  /** Windows the run committed (ledger rows it wrote) and their rows. */
  readonly windows: number;
  readonly rows: number;
  /** Windows it failed, as the failures table has them. */
  readonly failed_windows: number;
  /** The process that ran it (null in rows written before etl recorded it). */
  readonly pid: number | null;
  readonly host: string | null;
  /** The failures it recorded: model, window, error (the first 20). */
  readonly failures: readonly {
    readonly model: string;
    readonly window: string | null;
    readonly error: string;
  }[];
}

/** What {@link readDocsLedger} read. */
export interface DocsLedger {
  readonly runIds: string[];
  readonly windows: Map<string, WindowDetails>;
  readonly runs: DocsRun[];
}

/** Runs the site lists, newest first. */
const RUNS_SHOWN = 50;

/** Read the windows' details and the last runs (an empty ledger reads as nothing). */
export async function readDocsLedger(conn: Connection): Promise<DocsLedger> {
  const columns = await ledgerColumns(conn);
  const runIds: string[] = [];
  const runIndex = new Map<string, number>();
  const indexOf = (id: string): number => {
    let i = runIndex.get(id);
    if (i === undefined) {
      i = runIds.length;
      runIds.push(id);
      runIndex.set(id, i);
    }
    return i;
  };
  const ms = (c: string): string => conn.dialect.epochMs(c);
  const rowsByWindow = new Map<string, Map<number, Detail>>();
  const detail = (model: string, start: number): Detail => {
    let byStart = rowsByWindow.get(model);
    if (byStart === undefined) rowsByWindow.set(model, (byStart = new Map<number, Detail>()));
    let d = byStart.get(start);
    if (d === undefined) byStart.set(start, (d = { start }));
    return d;
  };
  const partitions = columns.get('partitions');
  const failures = columns.get('failures');
  const order = (have: Set<string> | undefined, clock: string): string =>
    have?.has('seq') ? 'seq' : clock;
  if (partitions !== undefined) {
    const rows = await conn.query(
      `SELECT model, ${ms('window_start')} AS s, row_count, content_hash, run_id, ${ms('finished_at')} AS f, ${order(partitions, 'finished_at')} AS o
FROM ${STATE_SCHEMA}.partitions`,
    );
    for (const r of rows) {
      const d = detail(String(r.model), Number(r.s));
      const o = Number(r.o);
      if (d.order !== undefined && d.order > o) continue;
      d.order = o;
      d.rows = Number(r.row_count);
      d.hash =
        r.content_hash === null || r.content_hash === undefined
          ? null
          : String(r.content_hash).slice(0, 16);
      d.run = String(r.run_id);
      d.at = Number(r.f);
    }
  }
  if (failures !== undefined) {
    const rows = await conn.query(
      `SELECT model, ${ms('window_start')} AS s, run_id, error, ${ms('failed_at')} AS f, ${order(failures, 'failed_at')} AS o
FROM ${STATE_SCHEMA}.failures`,
    );
    for (const r of rows) {
      const d = detail(String(r.model), Number(r.s));
      const o = Number(r.o);
      if (d.failOrder !== undefined && d.failOrder > o) continue;
      d.failOrder = o;
      d.failRun = String(r.run_id);
      d.failAt = Number(r.f);
      d.error = redactSecrets(String(r.error));
    }
  }
  const windows = new Map<string, WindowDetails>();
  for (const [model, byStart] of rowsByWindow) {
    const out: WindowDetails = { start: [], rows: [], hash: [], run: [], at: [], error: [] };
    for (const d of [...byStart.values()].sort((a, b) => a.start - b.start)) {
      // The newest attempt wins: a failure after the last commit is what the window shows.
      const failedLast =
        d.failOrder !== undefined && (d.order === undefined || d.failOrder > d.order);
      out.start.push(d.start);
      out.rows.push(d.rows ?? null);
      out.hash.push(d.hash ?? null);
      out.run.push(indexOf((failedLast ? d.failRun : d.run) ?? ''));
      out.at.push((failedLast ? d.failAt : d.at) ?? 0);
      out.error.push(failedLast ? (d.error ?? null) : null);
    }
    windows.set(model, out);
  }
  return { runIds, windows, runs: await readRuns(conn, columns) };
}

/** One window's newest ledger row and newest failure, as read. */
interface Detail {
  readonly start: number;
  order?: number;
  rows?: number;
  hash?: string | null;
  run?: string;
  at?: number;
  failOrder?: number;
  failRun?: string;
  failAt?: number;
  error?: string;
}

/** The last runs, newest first, with the windows and rows each committed. */
async function readRuns(conn: Connection, columns: Map<string, Set<string>>): Promise<DocsRun[]> {
  if (!columns.has('runs')) return [];
  const ms = (c: string): string => conn.dialect.epochMs(c);
  const have = columns.get('runs');
  const who = have?.has('pid') && have.has('host') ? 'pid, host' : 'NULL AS pid, NULL AS host';
  const runs = await conn.query(
    `SELECT run_id, command, arguments, status, failures, ${ms('started_at')} AS s, ${ms('finished_at')} AS f, ${who}
FROM ${STATE_SCHEMA}.runs ORDER BY started_at DESC, run_id DESC LIMIT ${RUNS_SHOWN}`,
  );
  if (runs.length === 0) return [];
  const ids = runs.map((r) => `'${String(r.run_id).replace(/'/g, "''")}'`).join(', ');
  const committed = new Map<string, { windows: number; rows: number }>();
  if (columns.has('partitions'))
    for (const r of await conn.query(
      `SELECT run_id, count(*) AS n, sum(row_count) AS r FROM ${STATE_SCHEMA}.partitions WHERE run_id IN (${ids}) GROUP BY run_id`,
    ))
      committed.set(String(r.run_id), { windows: Number(r.n), rows: Number(r.r ?? 0) });
  const failed = new Map<string, number>();
  if (columns.has('failures'))
    for (const r of await conn.query(
      `SELECT run_id, count(*) AS n FROM ${STATE_SCHEMA}.failures WHERE run_id IN (${ids}) GROUP BY run_id`,
    ))
      failed.set(String(r.run_id), Number(r.n));
  return runs.map((r) => {
    const id = String(r.run_id);
    return {
      run_id: id,
      command: String(r.command),
      args: parseObject(r.arguments),
      status: String(r.status),
      started_at: new Date(Number(r.s)).toISOString(),
      finished_at: r.f === null || r.f === undefined ? null : new Date(Number(r.f)).toISOString(),
      windows: committed.get(id)?.windows ?? 0,
      rows: committed.get(id)?.rows ?? 0,
      failed_windows: failed.get(id) ?? 0,
      pid: r.pid === null || r.pid === undefined ? null : Number(r.pid),
      host: r.host === null || r.host === undefined ? null : String(r.host),
      failures: parseFailures(r.failures),
    };
  });
}

/** A JSON object column, or {} when it is not one. */
function parseObject(value: unknown): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(String(value));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** The failures a run recorded (its `failures` JSON), the first 20. */
function parseFailures(value: unknown): DocsRun['failures'] {
  if (value === null || value === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(String(value));
    if (!Array.isArray(parsed)) return [];
    return parsed.slice(0, 20).map((f: unknown) => {
      const o = (f ?? {}) as Record<string, unknown>;
      return {
        model: String(o.model ?? ''),
        window: o.window === undefined || o.window === null ? null : String(o.window),
        error: redactSecrets(String(o.error ?? '').split('\n')[0] ?? ''),
      };
    });
  } catch {
    return [];
  }
}
