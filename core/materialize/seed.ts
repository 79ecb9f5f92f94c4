import { readFileSync } from 'node:fs';
import type { Dialect } from '../engine/dialect.js';
import { EtlError, ExitCode, environmentError, errorMessage } from '../errors.js';
import { inTransaction } from '../engine/adapter.js';
import type { CompiledSeed } from '../compile/compiled-graph.js';
import { recordSeedSql } from '../state/builds.js';
import { buildAndSwap } from './swap-table.js';
import { quoteString } from '../util/sql.js';
import type { WriteContext } from './write-context.js';

/** A seed to load and the hash of its file's bytes. */
export interface SeedLoad {
  readonly seed: CompiledSeed;
  readonly fileHash: string;
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
  let failed: CompiledSeed | undefined;
  try {
    await inTransaction(conn, async () => {
      for (const { seed, fileHash } of loads) {
        failed = seed;
        const { rows } = await buildAndSwap(
          conn,
          seed.schema,
          seed.name,
          `SELECT * FROM ${readCsvSql(ctx.conn.dialect, seed)}`,
        );
        failed = undefined;
        counts.set(seed.name, rows);
        await conn.run(
          recordSeedSql({
            name: seed.name,
            fileHash,
            fingerprint: seed.fingerprint,
            rowCount: rows,
            runId: ctx.runId,
            loadedAt: ctx.now(),
          }),
        );
      }
    });
  } catch (error) {
    if (failed === undefined) throw error;
    // After the rollback: DuckDB's sniffer says only that it failed; reading the file again
    // with the header's columns as text finds the offending line.
    throw seedError(failed, error, await diagnose(ctx, failed));
  }
  return counts;
}

async function diagnose(ctx: WriteContext, seed: CompiledSeed): Promise<unknown> {
  let header: string;
  try {
    header = readFileSync(seed.path, 'utf8').split(/\r?\n/, 1)[0] ?? '';
  } catch (error) {
    return error;
  }
  const columns = header.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  try {
    await ctx.conn.query(`SELECT count(*) FROM ${readCsvSql(ctx.conn.dialect, seed, columns)}`);
    return undefined;
  } catch (error) {
    return error;
  }
}

function seedError(seed: CompiledSeed, error: unknown, diagnosis: unknown): EtlError {
  // A full disk or a file etl may not write is the machine's, not the CSV's.
  const environment = environmentError(error, 'the warehouse');
  if (environment !== undefined) return environment;
  const first = errorMessage(error);
  const raw =
    /CSV Error on Line/.test(first) || diagnosis === undefined ? first : errorMessage(diagnosis);
  const line = /CSV Error on Line: (\d+)/.exec(raw)?.[1];
  const lines = raw.split('\n').map((l) => l.trim());
  const reason =
    lines.find((l) =>
      /invalid unicode|not utf-8|expected number|unterminated|does not exist|could not convert/i.test(
        l,
      ),
    ) ??
    (line !== undefined ? 'malformed row (check its quoting)' : undefined) ??
    lines[0] ??
    raw;
  return new EtlError(
    'E_SEED',
    `cannot load seed '${seed.name}': ${reason.replace(/^(Invalid Input|Binder|Conversion) Error: /, '')}`,
    {
      exitCode: ExitCode.badInput,
      location: { file: seed.file, line: line === undefined ? undefined : Number(line) },
      cause: error,
    },
  );
}
