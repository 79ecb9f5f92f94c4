import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject } from '../core/project/load-project.js';
import { compileProject } from '../core/compile/compile-project.js';
import type { CompiledModel } from '../core/compile/compiled-graph.js';
import { parseTarget } from '../core/engine/target.js';
import { openDuckDB } from '../core/engine/duckdb.js';
import { DataVersions } from '../core/plan/data-versions.js';
import { windowsBetween, formatTimestamp } from '../core/time/window.js';
import { ensureLedger } from '../core/state/ledger-schema.js';
import { recordSeedSql } from '../core/state/builds.js';
import type { PartitionRecord } from '../core/state/ledger.js';
import type { WarehouseState } from '../core/state/warehouse-state.js';

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
  const src = compiled.nodes.get('src')!;
  const fileHash = createHash('sha256')
    .update(readFileSync(join(dir, 'seeds', 'src.csv')))
    .digest('hex');
  const models = [...compiled.nodes.values()].filter((n): n is CompiledModel => n.kind === 'model');
  const windows = windowsBetween(from, to, 'hour');
  const empty = '0000000000000000';
  const partitions = new Map<string, PartitionRecord[]>();
  for (const m of models)
    partitions.set(
      m.name,
      windows.map((window) => ({
        model: m.name,
        window,
        fingerprint: m.fingerprint,
        rowCount: 0,
        contentHash: empty,
        inputVersion: undefined,
        inputStart: undefined,
        partial: undefined,
        forwardOnly: false,
        seq: 0,
        firstSeq: 0,
      })),
    );
  const state: WarehouseState = {
    relations: new Map([...compiled.nodes.keys()].map((n) => [n, 'table' as const])),
    partitions,
    builds: new Map(),
    seeds: new Map([['src', { fileHash, fingerprint: src.fingerprint, seq: 0 }]]),
  };
  const versions = new DataVersions(compiled, state, new Map([['src', fileHash]]));
  const csv = join(dir, 'ledger.csv');
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
          empty,
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
  writeFileSync(csv, `${lines.join('\n')}\n`);
  const engine = await openDuckDB(path);
  const conn = await engine.connect();
  try {
    await ensureLedger(conn);
    await conn.run(
      `COPY etl_state.partitions FROM '${csv}' (HEADER false, NULLSTR '', AUTO_DETECT false)`,
    );
    await conn.run(
      `DROP SEQUENCE etl_state.seq; CREATE SEQUENCE etl_state.seq START WITH ${seq + 1}`,
    );
    await conn.run(`CREATE TABLE main.src AS SELECT 1 AS id, TIMESTAMP '2014-01-01' AS t`);
    for (const m of models)
      await conn.run(`CREATE TABLE main."${m.name}" (id INTEGER, t TIMESTAMP)`);
    await conn.run(
      recordSeedSql({
        name: 'src',
        fileHash,
        fingerprint: src.fingerprint,
        rowCount: 1,
        runId: 'bench',
        loadedAt: 0,
      }),
    );
  } finally {
    await conn.close();
    await engine.close();
  }
  return lines.length;
}
