import { readFileSync } from 'node:fs';
import type { Dialect } from '../engine/dialect.js';
import { EtlError, ExitCode, environmentError, errorMessage } from '../errors.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection, RelationKind } from '../engine/adapter.js';
import type { CompiledSeed } from '../compile/compiled-graph.js';
import { NEXT_SEQ, STATE_SCHEMA, ts } from '../state/ledger.js';
import { qualified, quoteIdent, quoteString, subquery } from '../util/sql.js';
import { rowsOf, runStatements, type StatementResults } from './run-statements.js';
import type { Statement } from './statement.js';
import { buildAndSwapStatements, replaceStatements } from './swap-table.js';
import type { WriteContext } from './write-context.js';

/** A seed to load and the hash of its file's bytes. */
export interface SeedLoad {
  readonly seed: CompiledSeed;
  readonly fileHash: string;
  /**
   * The commit order (seq) of the seed's load the plan saw (0: none); where many processes
   * write, a load newer than it of the same file is not loaded again. Undefined: always load.
   */
  readonly seen?: number;
}

/** The relation reading a seed: strict comma-separated values, typed by sniffing or config. */
export function readCsvSql(
  dialect: Dialect,
  seed: CompiledSeed,
  columns?: readonly string[],
): string {
  return dialect.readSeed(quoteString(seed.path), {
    ...(columns === undefined ? {} : { columns }),
    types: seed.columnTypes,
  });
}

/** What has each seed's name now. */
export type SeedFacts = ReadonlyMap<string, RelationKind | undefined>;

/**
 * Load seeds, all in one transaction: each into a new table swapped in for the old one, with its
 * record in etl_state.seeds. A malformed CSV rolls back every seed of the batch and is an
 * error naming the file; the old tables stay.
 */
export async function loadSeeds(
  ctx: WriteContext,
  loads: readonly SeedLoad[],
): Promise<Map<string, number>> {
  const { conn } = ctx;
  const counts = new Map<string, number>();
  if (loads.length === 0) return counts;
  const facts = new Map<string, RelationKind | undefined>();
  for (const { seed } of loads)
    facts.set(seed.name, await conn.relationKind(seed.schema, seed.name));
  const meta = { runId: ctx.runId, now: ctx.now() };
  // An engine that cannot read the files has them read by DuckDB, in memory, and copied in.
  const reader = conn.dialect.readsFiles ? undefined : await scratchReader();
  await conn.run('BEGIN TRANSACTION');
  try {
    // Where many processes write one warehouse, one loads seeds at a time.
    const lock = conn.dialect.stepLock?.([SEEDS_LOCK], true);
    const loadedElsewhere = new Map<string, number>();
    if (lock !== undefined) {
      await conn.query(lock);
      for (const [name, rows] of await loadedSince(conn, loads)) loadedElsewhere.set(name, rows);
    }
    for (const load of loads) {
      // Another process loaded the same file since the plan: it is not loaded again.
      const rows = loadedElsewhere.get(load.seed.name);
      if (rows !== undefined) {
        counts.set(load.seed.name, rows);
        continue;
      }
      try {
        const results =
          reader === undefined
            ? await runStatements(conn, seedStatements(conn.dialect, load, facts, meta))
            : await copySeed(conn, reader, load, facts, meta);
        counts.set(load.seed.name, Number(rowsOf(results, 'record')[0]?.row_count ?? 0));
      } catch (error) {
        await conn.run('ROLLBACK').catch(() => undefined);
        // After the rollback: DuckDB's sniffer says only that it failed; reading the file
        // again with the header's columns as text finds the offending line.
        const read = reader?.conn ?? conn;
        throw seedError(read.dialect, load.seed, error, await diagnose(read, load.seed));
      }
    }
    await conn.run('COMMIT');
  } finally {
    await reader?.close();
  }
  return counts;
}

/** The statements that load seeds, in order: one transaction for all. */
export function seedsStatements(
  dialect: Dialect,
  loads: readonly SeedLoad[],
  facts: SeedFacts,
  meta: { runId: string; now: number },
): Statement[] {
  return [
    { purpose: 'begin', sql: 'BEGIN TRANSACTION' },
    ...loads.flatMap((load) => seedStatements(dialect, load, facts, meta)),
    { purpose: 'commit', sql: 'COMMIT' },
  ];
}

/**
 * The statements that load one seed, inside the seeds' transaction; with `copied`, its new
 * table is already built (copied in) and is only swapped in and recorded.
 */
export function seedStatements(
  dialect: Dialect,
  { seed, fileHash }: SeedLoad,
  facts: SeedFacts,
  meta: { runId: string; now: number },
  options: { copied?: boolean } = {},
): Statement[] {
  return [
    ...(options.copied === true
      ? replaceStatements(
          dialect,
          seed.schema,
          seed.name,
          `${seed.name}__etl_new`,
          facts.get(seed.name),
        )
      : buildAndSwapStatements(
          dialect,
          seed.schema,
          seed.name,
          `SELECT * FROM ${readCsvSql(dialect, seed)}`,
          facts.get(seed.name),
        )),
    {
      purpose: 'record',
      sql: `DELETE FROM ${STATE_SCHEMA}.seeds WHERE name = ${quoteString(seed.name)}`,
    },
    {
      purpose: 'record',
      returns: true,
      sql: `INSERT INTO ${STATE_SCHEMA}.seeds (name, file_hash, fingerprint, row_count, run_id, loaded_at, seq)
SELECT ${quoteString(seed.name)}, ${quoteString(fileHash)}, ${quoteString(seed.fingerprint)}, etl_s.n, ${quoteString(meta.runId)}, ${ts(meta.now)}, ${NEXT_SEQ} FROM (SELECT count(*) AS n FROM ${seed.relation}) AS etl_s
RETURNING row_count`,
    },
  ];
}

/** The seeds of `loads` another process loaded since the plan, from the same file: their rows. */
async function loadedSince(
  conn: Connection,
  loads: readonly SeedLoad[],
): Promise<Map<string, number>> {
  const known = loads.filter((l) => l.seen !== undefined);
  if (known.length === 0) return new Map();
  const values = known.map(
    (l) =>
      `(${quoteString(l.seed.name)}, ${quoteString(l.fileHash)}, ${quoteString(l.seed.fingerprint)}, ${l.seen})`,
  );
  const rows = await conn.query(
    `SELECT s.name, s.row_count FROM ${STATE_SCHEMA}.seeds AS s
JOIN (VALUES ${values.join(', ')}) AS etl_l(name, file_hash, fingerprint, seen)
  ON s.name = etl_l.name AND s.file_hash = etl_l.file_hash AND s.fingerprint = etl_l.fingerprint AND s.seq > etl_l.seen`,
  );
  return new Map(rows.map((r) => [String(r.name), Number(r.row_count)]));
}

/** The lock key of seed loads. */
const SEEDS_LOCK = 'etl seeds';

/** An in-memory DuckDB that reads seed files for an engine that cannot, and a folder. */
async function scratchReader(): Promise<{
  conn: Connection;
  dir: string;
  close: () => Promise<void>;
}> {
  const { openDuckDB } = await import('../engine/duckdb.js');
  const engine = await openDuckDB(':memory:');
  const conn = await engine.connect();
  const dir = mkdtempSync(join(tmpdir(), 'etl-seed-'));
  return {
    conn,
    dir,
    close: async () => {
      await conn.close();
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A seed loaded into an engine that cannot read files: DuckDB reads and types it (so that its
 * columns have the types they have on DuckDB), writes it as plain CSV, and the engine copies
 * that in, into a new table swapped in for the old one, in the seeds' transaction.
 */
async function copySeed(
  conn: Connection,
  { conn: reader, dir }: { conn: Connection; dir: string },
  load: SeedLoad,
  facts: SeedFacts,
  meta: { runId: string; now: number },
): Promise<StatementResults> {
  const { seed } = load;
  const select = `SELECT * FROM ${readCsvSql(reader.dialect, seed)}`;
  const columns = await reader.columns(subquery(select));
  const file = join(dir, `${seed.name}.csv`);
  try {
    await reader.run(reader.dialect.exportCsv(select, quoteString(file)));
    const fresh = qualified(seed.schema, `${seed.name}__etl_new`);
    await runStatements(conn, [
      { purpose: 'schema', sql: `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(seed.schema)}` },
      { purpose: 'drop', sql: `DROP TABLE IF EXISTS ${fresh}` },
      {
        purpose: 'create',
        sql: `CREATE TABLE ${fresh} (${columns.map((c) => `${quoteIdent(c.name)} ${conn.dialect.columnType(c.type)}`).join(', ')})`,
      },
    ]);
    if (conn.copyCsv === undefined) throw new Error('the engine cannot copy rows in');
    await conn.copyCsv(
      fresh,
      columns.map((c) => c.name),
      file,
    );
  } finally {
    rmSync(file, { force: true });
  }
  const statements = seedStatements(conn.dialect, load, facts, meta, { copied: true });
  return runStatements(conn, statements);
}

async function diagnose(conn: Connection, seed: CompiledSeed): Promise<unknown> {
  let header: string;
  try {
    header = readFileSync(seed.path, 'utf8').split(/\r?\n/, 1)[0] ?? '';
  } catch (error) {
    return error;
  }
  const columns = header.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  try {
    await conn.query(`SELECT count(*) FROM ${readCsvSql(conn.dialect, seed, columns)}`);
    return undefined;
  } catch (error) {
    return error;
  }
}

function seedError(
  dialect: Dialect,
  seed: CompiledSeed,
  error: unknown,
  diagnosis: unknown,
): EtlError {
  // A full disk or a file etl may not write is the machine's, not the CSV's.
  const environment = environmentError(error, 'the warehouse');
  if (environment !== undefined) return environment;
  const first = dialect.csvError(errorMessage(error));
  const { line, reason } =
    first.line !== undefined || diagnosis === undefined
      ? first
      : dialect.csvError(errorMessage(diagnosis));
  return new EtlError('E_SEED', `cannot load seed '${seed.name}': ${reason}`, {
    exitCode: ExitCode.badInput,
    location: { file: seed.file, line },
    cause: error,
  });
}
