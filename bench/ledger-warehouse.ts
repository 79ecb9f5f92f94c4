import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject } from '../core/project/load-project.js';
import { compileProject } from '../core/compile/compile-project.js';
import type { CompiledGraph, CompiledModel } from '../core/compile/compiled-graph.js';
import { parseTarget } from '../core/engine/target.js';
import { openDuckDB } from '../core/engine/duckdb.js';
import { DataVersions } from '../core/plan/data-versions.js';
import { windowsBetween, formatTimestamp, type Window } from '../core/time/window.js';
import { ensureLedger } from '../core/state/ledger-schema.js';
import { recordSeedSql } from '../core/state/builds.js';
import type { PartitionRecord } from '../core/state/ledger.js';
import type { WarehouseState } from '../core/state/warehouse-state.js';

/** The content hash the ledger records for a window with no rows. */
const EMPTY_HASH = '0000000000000000';

/** The seed every model of the hourly project reads, as the ledger records it. */
interface SeedVersion {
  readonly fileHash: string;
  readonly fingerprint: string;
}

/**
 * A warehouse for the hourly project (bench/generated-project.ts) whose ledger records every
 * window from `from` to `to` as done, with the input versions etl itself would compute, as if
 * a backfill had built it (the tables are empty, so that the ledger's row counts of 0 match).
 * Returns the number of windows written.
 */
export async function writeLedgerWarehouse(dir: string, from: number, to: number): Promise<number> {
  const path = join(dir, 'w.duckdb');
  writeFileSync(join(dir, 'etl.yml'), 'target: duckdb:w.duckdb\n');
  const compiled = compileProject(loadProject(dir), { target: parseTarget(`duckdb:${path}`, dir) });
  const seed: SeedVersion = {
    fileHash: createHash('sha256')
      .update(readFileSync(join(dir, 'seeds', 'src.csv')))
      .digest('hex'),
    fingerprint: compiled.nodes.get('src')!.fingerprint,
  };
  const models = [...compiled.nodes.values()].filter((n): n is CompiledModel => n.kind === 'model');
  const windows = windowsBetween(from, to, 'hour');
  const state = doneState(compiled, models, windows, seed);
  const versions = new DataVersions(compiled, state, new Map([['src', seed.fileHash]]));
  const csv = join(dir, 'ledger.csv');
  const lines = ledgerLines(models, windows, versions);
  writeFileSync(csv, `${lines.join('\n')}\n`);
  await loadWarehouse(path, csv, lines.length, models, seed);
  return lines.length;
}

/**
 * The warehouse's state with every window done and no input versions: what
 * {@link DataVersions} reads to work out the versions the ledger is to record.
 */
function doneState(
  compiled: CompiledGraph,
  models: readonly CompiledModel[],
  windows: readonly Window[],
  seed: SeedVersion,
): WarehouseState {
  const partitions = new Map<string, PartitionRecord[]>();
  for (const m of models)
    partitions.set(
      m.name,
      windows.map((window) => ({
        model: m.name,
        window,
        fingerprint: m.fingerprint,
        rowCount: 0,
        contentHash: EMPTY_HASH,
        inputVersion: undefined,
        inputStart: undefined,
        partial: undefined,
        forwardOnly: false,
        seq: 0,
        firstSeq: 0,
      })),
    );
  return {
    relations: new Map([...compiled.nodes.keys()].map((n) => [n, 'table' as const])),
    partitions,
    builds: new Map(),
    seeds: new Map([['src', { fileHash: seed.fileHash, fingerprint: seed.fingerprint, seq: 0 }]]),
  };
}

/**
 * One CSV line of etl_state.partitions per model and window, in its column order, each with
 * its input version; the seq numbers run from 1.
 */
function ledgerLines(
  models: readonly CompiledModel[],
  windows: readonly Window[],
  versions: DataVersions,
): string[] {
  const lines: string[] = [];
  let seq = 0;
  for (const m of models)
    for (const w of windows) {
      const version = versions.versionOf(m, w).version;
      lines.push(
        [
          m.name,
          formatTimestamp(w.start),
          formatTimestamp(w.end),
          m.fingerprint,
          0,
          EMPTY_HASH,
          'bench',
          formatTimestamp(w.end),
          version,
          formatTimestamp(w.start),
          '',
          'false',
          ++seq,
        ].join(','),
      );
    }
  return lines;
}

/**
 * Create the warehouse: the ledger copied in from the CSV (its sequence past `lastSeq`), the
 * seed's table and record, and an empty table per model.
 */
async function loadWarehouse(
  path: string,
  csv: string,
  lastSeq: number,
  models: readonly CompiledModel[],
  seed: SeedVersion,
): Promise<void> {
  const engine = await openDuckDB(path);
  const conn = await engine.connect();
  try {
    await ensureLedger(conn);
    await conn.run(
      `COPY etl_state.partitions FROM '${csv}' (HEADER false, NULLSTR '', AUTO_DETECT false)`,
    );
    await conn.run(
      `DROP SEQUENCE etl_state.seq; CREATE SEQUENCE etl_state.seq START WITH ${lastSeq + 1}`,
    );
    await conn.run(`CREATE TABLE main.src AS SELECT 1 AS id, TIMESTAMP '2014-01-01' AS t`);
    for (const m of models)
      await conn.run(`CREATE TABLE main."${m.name}" (id INTEGER, t TIMESTAMP)`);
    await conn.run(
      recordSeedSql({
        name: 'src',
        fileHash: seed.fileHash,
        fingerprint: seed.fingerprint,
        rowCount: 1,
        runId: 'bench',
        loadedAt: 0,
      }),
    );
  } finally {
    await conn.close();
    await engine.close();
  }
}
