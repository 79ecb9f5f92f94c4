import type { Connection } from '../engine/adapter.js';
import { quoteString, sqlLiteral } from '../util/sql.js';
import { NEXT_SEQ, STATE_SCHEMA, ledgerColumns, ts } from './ledger.js';

/**
 * A write of a whole relation: a view or table build, or an upsert (its table after the
 * upsert). Append-only; the newest row per model counts.
 */
export interface BuildRecord {
  readonly model: string;
  readonly materialized: string;
  readonly fingerprint: string;
  readonly rowCount: number;
  /** Order-independent hash of the relation's rows (undefined for views and old rows). */
  readonly contentHash: string | undefined;
  /** Hash of the data versions it read; undefined for views and rows from before versions. */
  readonly inputVersion: string | undefined;
}

/** The newest build of a model, with its commit order. */
export interface BuildState extends BuildRecord {
  readonly seq: number;
}

/** A seed load: the hash of the file loaded and the seed's fingerprint (its column types). */
export interface SeedState {
  readonly fileHash: string;
  readonly fingerprint: string;
  readonly seq: number;
}

/** The build records' table and the columns an INSERT names, in order. */
export const BUILD_INSERT_COLUMNS = `${STATE_SCHEMA}.models (model, materialized, fingerprint, row_count, run_id, built_at, content_hash, input_version, seq)`;

/** The INSERT of a build record, in the build's transaction. */
export function insertBuildSql(r: BuildRecord & { runId: string; builtAt: number }): string {
  return `INSERT INTO ${BUILD_INSERT_COLUMNS} VALUES (${quoteString(r.model)}, ${quoteString(r.materialized)}, ${quoteString(r.fingerprint)}, ${r.rowCount}, ${quoteString(r.runId)}, ${ts(r.builtAt)}, ${sqlLiteral(r.contentHash ?? null)}, ${sqlLiteral(r.inputVersion ?? null)}, ${NEXT_SEQ})`;
}

/** The newest build of each model. */
export async function readBuilds(conn: Connection): Promise<Map<string, BuildState>> {
  const builds = new Map<string, BuildState>();
  const columns = (await ledgerColumns(conn)).get('models');
  if (columns === undefined) return builds;
  const upgraded = columns.has('seq');
  const newest = conn.dialect.newestPerKey(
    `${STATE_SCHEMA}.models`,
    'model',
    upgraded ? 'seq' : 'built_at',
  );
  const rows = await conn.query(
    upgraded
      ? `SELECT model, materialized, fingerprint, row_count, content_hash, input_version, seq FROM (${newest}) AS b`
      : `SELECT model, materialized, fingerprint, row_count, NULL AS content_hash, NULL AS input_version, 0 AS seq FROM (${newest}) AS b`,
  );
  for (const r of rows)
    builds.set(String(r.model), {
      model: String(r.model),
      materialized: String(r.materialized),
      fingerprint: String(r.fingerprint),
      rowCount: Number(r.row_count),
      contentHash: r.content_hash === null ? undefined : String(r.content_hash),
      inputVersion: r.input_version === null ? undefined : String(r.input_version),
      seq: Number(r.seq),
    });
  return builds;
}

/** The newest load of each seed. */
export async function readSeedState(conn: Connection): Promise<Map<string, SeedState>> {
  const state = new Map<string, SeedState>();
  const columns = (await ledgerColumns(conn)).get('seeds');
  if (columns === undefined) return state;
  const seq = columns.has('seq') ? 'seq' : '0';
  const rows = await conn.query(
    `SELECT name, file_hash, fingerprint, ${seq} AS seq FROM (${conn.dialect.newestPerKey(`${STATE_SCHEMA}.seeds`, 'name', columns.has('seq') ? 'seq' : 'loaded_at')}) AS s`,
  );
  for (const r of rows)
    state.set(String(r.name), {
      fileHash: String(r.file_hash),
      fingerprint: String(r.fingerprint),
      seq: Number(r.seq),
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
INSERT INTO ${STATE_SCHEMA}.seeds (name, file_hash, fingerprint, row_count, run_id, loaded_at, seq) VALUES (${quoteString(seed.name)}, ${quoteString(seed.fileHash)}, ${quoteString(seed.fingerprint)}, ${seed.rowCount}, ${quoteString(seed.runId)}, ${ts(seed.loadedAt)}, ${NEXT_SEQ})`;
}
