import type { Connection } from '../engine/adapter.js';
import { formatTimestamp, type Window } from '../plan/window.js';
import { quoteString, sqlLiteral } from '../util/sql.js';

/** The schema that holds etl's own state, next to the data so that it commits with it. */
export const STATE_SCHEMA = 'etl_state';

/** DDL of the ledger; idempotent. */
export const LEDGER_DDL = [
  `CREATE SCHEMA IF NOT EXISTS ${STATE_SCHEMA}`,
  `CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.partitions (
  model VARCHAR NOT NULL,
  window_start TIMESTAMP NOT NULL,
  window_end TIMESTAMP NOT NULL,
  fingerprint VARCHAR NOT NULL,
  row_count BIGINT NOT NULL,
  content_hash VARCHAR,
  run_id VARCHAR NOT NULL,
  finished_at TIMESTAMP NOT NULL
)`,
  `CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.runs (
  run_id VARCHAR NOT NULL,
  command VARCHAR NOT NULL,
  arguments VARCHAR NOT NULL,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  status VARCHAR NOT NULL,
  failures VARCHAR
)`,
  `CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.models (
  model VARCHAR NOT NULL,
  materialized VARCHAR NOT NULL,
  fingerprint VARCHAR NOT NULL,
  row_count BIGINT NOT NULL,
  run_id VARCHAR NOT NULL,
  built_at TIMESTAMP NOT NULL
)`,
  `CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.failures (
  run_id VARCHAR NOT NULL,
  model VARCHAR NOT NULL,
  window_start TIMESTAMP NOT NULL,
  window_end TIMESTAMP NOT NULL,
  code VARCHAR NOT NULL,
  error VARCHAR NOT NULL,
  failed_at TIMESTAMP NOT NULL
)`,
  `CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.seeds (
  name VARCHAR NOT NULL,
  file_hash VARCHAR NOT NULL,
  fingerprint VARCHAR NOT NULL,
  row_count BIGINT NOT NULL,
  run_id VARCHAR NOT NULL,
  loaded_at TIMESTAMP NOT NULL
)`,
];

/** One committed window of a model (the newest row per model and window is the truth). */
export interface PartitionRecord {
  readonly model: string;
  readonly window: Window;
  readonly fingerprint: string;
  readonly rowCount: number;
  readonly contentHash: string | undefined;
  readonly runId: string;
  readonly finishedAt: number;
}

/** Create the ledger tables when missing. */
export async function ensureLedger(conn: Connection): Promise<void> {
  for (const ddl of LEDGER_DDL) await conn.run(ddl);
}

/** Whether the ledger exists (read-only commands must not create it). */
export async function ledgerExists(conn: Connection): Promise<boolean> {
  return (await conn.relationKind(STATE_SCHEMA, 'partitions')) !== undefined;
}

/** The INSERT of ledger rows for windows just written (append-only). */
export function insertPartitionsSql(records: readonly PartitionRecord[]): string {
  const values = records.map(
    (r) =>
      `(${[
        quoteString(r.model),
        ts(r.window.start),
        ts(r.window.end),
        quoteString(r.fingerprint),
        String(r.rowCount),
        sqlLiteral(r.contentHash ?? null),
        quoteString(r.runId),
        ts(r.finishedAt),
      ].join(', ')})`,
  );
  return `INSERT INTO ${STATE_SCHEMA}.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at) VALUES\n  ${values.join(',\n  ')}`;
}

/** Forget every window of a model (a full refresh drops its table too, in one transaction). */
export function deletePartitionsSql(model: string): string {
  return `DELETE FROM ${STATE_SCHEMA}.partitions WHERE model = ${quoteString(model)}`;
}

/** The newest ledger row of every (model, window), optionally for some models only. */
export async function readPartitions(
  conn: Connection,
  models?: readonly string[],
): Promise<PartitionRecord[]> {
  if (!(await ledgerExists(conn))) return [];
  const where =
    models === undefined ? '' : `WHERE model IN (${models.map(quoteString).join(', ') || 'NULL'})`;
  const rows = await conn.query(
    `SELECT model, epoch_ms(window_start) AS s, epoch_ms(window_end) AS e, fingerprint, row_count, content_hash, run_id, epoch_ms(finished_at) AS f
FROM ${STATE_SCHEMA}.partitions ${where}
QUALIFY row_number() OVER (PARTITION BY model, window_start ORDER BY finished_at DESC, run_id DESC) = 1
ORDER BY model, window_start`,
  );
  return rows.map((r) => ({
    model: String(r.model),
    window: { start: Number(r.s), end: Number(r.e) },
    fingerprint: String(r.fingerprint),
    rowCount: Number(r.row_count),
    contentHash: r.content_hash === null ? undefined : String(r.content_hash),
    runId: String(r.run_id),
    finishedAt: Number(r.f),
  }));
}

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

/** The newest loaded state of each seed: file hash and fingerprint. */
export async function readSeedState(
  conn: Connection,
): Promise<Map<string, { fileHash: string; fingerprint: string }>> {
  const state = new Map<string, { fileHash: string; fingerprint: string }>();
  if ((await conn.relationKind(STATE_SCHEMA, 'seeds')) === undefined) return state;
  const rows = await conn.query(
    `SELECT name, file_hash, fingerprint FROM ${STATE_SCHEMA}.seeds QUALIFY row_number() OVER (PARTITION BY name ORDER BY loaded_at DESC) = 1`,
  );
  for (const r of rows)
    state.set(String(r.name), {
      fileHash: String(r.file_hash),
      fingerprint: String(r.fingerprint),
    });
  return state;
}

/** Record a seed load, replacing its previous record, in the seed's transaction. */
export function recordSeedSql(seed: {
  name: string;
  fileHash: string;
  fingerprint: string;
  rowCount: number;
  runId: string;
  loadedAt: number;
}): string {
  return `DELETE FROM ${STATE_SCHEMA}.seeds WHERE name = ${quoteString(seed.name)};
INSERT INTO ${STATE_SCHEMA}.seeds VALUES (${quoteString(seed.name)}, ${quoteString(seed.fileHash)}, ${quoteString(seed.fingerprint)}, ${seed.rowCount}, ${quoteString(seed.runId)}, ${ts(seed.loadedAt)})`;
}

function ts(ms: number): string {
  return `TIMESTAMP '${formatTimestamp(ms)}${ms % 1000 === 0 ? '' : `.${String(ms % 1000).padStart(3, '0')}`}'`;
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
      `(${quoteString(failure.runId)}, ${quoteString(failure.model)}, ${ts(w.start)}, ${ts(w.end)}, ${quoteString(failure.code)}, ${quoteString(failure.error)}, ${ts(failure.failedAt)})`,
  );
  return `INSERT INTO ${STATE_SCHEMA}.failures VALUES ${rows.join(', ')}`;
}

/** Windows whose newest failure is newer than their newest ledger row, by model. */
export async function readFailedWindows(conn: Connection): Promise<Map<string, Window[]>> {
  const failed = new Map<string, Window[]>();
  if ((await conn.relationKind(STATE_SCHEMA, 'failures')) === undefined) return failed;
  const rows = await conn.query(
    `SELECT f.model, epoch_ms(f.window_start) AS s, epoch_ms(f.window_end) AS e
FROM (SELECT model, window_start, window_end, max(failed_at) AS failed_at FROM ${STATE_SCHEMA}.failures GROUP BY ALL) f
LEFT JOIN (SELECT model, window_start, max(finished_at) AS finished_at FROM ${STATE_SCHEMA}.partitions GROUP BY ALL) p
  ON p.model = f.model AND p.window_start = f.window_start
WHERE p.finished_at IS NULL OR p.finished_at < f.failed_at
ORDER BY f.model, f.window_start`,
  );
  for (const r of rows) {
    const list = failed.get(String(r.model)) ?? [];
    list.push({ start: Number(r.s), end: Number(r.e) });
    failed.set(String(r.model), list);
  }
  return failed;
}

/** A build of a view or table (not windowed): append-only, the newest row per model counts. */
export interface ModelBuildRecord {
  readonly model: string;
  readonly materialized: string;
  readonly fingerprint: string;
  readonly rowCount: number;
  readonly runId: string;
  readonly builtAt: number;
}

/** The INSERT of a view or table build record, in the build's transaction. */
export function insertModelBuildSql(r: ModelBuildRecord): string {
  return `INSERT INTO ${STATE_SCHEMA}.models VALUES (${quoteString(r.model)}, ${quoteString(r.materialized)}, ${quoteString(r.fingerprint)}, ${r.rowCount}, ${quoteString(r.runId)}, ${ts(r.builtAt)})`;
}

/** The fingerprint of the newest build of each view or table. */
export async function readModelBuilds(conn: Connection): Promise<Map<string, string>> {
  const builds = new Map<string, string>();
  if ((await conn.relationKind(STATE_SCHEMA, 'models')) === undefined) return builds;
  const rows = await conn.query(
    `SELECT model, fingerprint FROM ${STATE_SCHEMA}.models QUALIFY row_number() OVER (PARTITION BY model ORDER BY built_at DESC) = 1`,
  );
  for (const r of rows) builds.set(String(r.model), String(r.fingerprint));
  return builds;
}
