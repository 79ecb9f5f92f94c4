import { inTransaction, type Connection } from '../engine/adapter.js';
import { PARTITION_COLUMNS, STATE_SCHEMA, ledgerColumns } from './ledger.js';

/** The ledger's tables as this version writes them. */
const TABLES: Record<string, string> = {
  partitions: PARTITION_COLUMNS,
  refreshing: PARTITION_COLUMNS,
  runs: `run_id VARCHAR NOT NULL,
  command VARCHAR NOT NULL,
  arguments VARCHAR NOT NULL,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  status VARCHAR NOT NULL,
  failures VARCHAR,
  pid BIGINT,
  host VARCHAR`,
  models: `model VARCHAR NOT NULL,
  materialized VARCHAR NOT NULL,
  fingerprint VARCHAR NOT NULL,
  row_count BIGINT NOT NULL,
  run_id VARCHAR NOT NULL,
  built_at TIMESTAMP NOT NULL,
  content_hash VARCHAR,
  input_version VARCHAR,
  seq BIGINT`,
  failures: `run_id VARCHAR NOT NULL,
  model VARCHAR NOT NULL,
  window_start TIMESTAMP NOT NULL,
  window_end TIMESTAMP NOT NULL,
  code VARCHAR NOT NULL,
  error VARCHAR NOT NULL,
  failed_at TIMESTAMP NOT NULL,
  seq BIGINT`,
  seeds: `name VARCHAR NOT NULL,
  file_hash VARCHAR NOT NULL,
  fingerprint VARCHAR NOT NULL,
  row_count BIGINT NOT NULL,
  run_id VARCHAR NOT NULL,
  loaded_at TIMESTAMP NOT NULL,
  seq BIGINT`,
};

/** The clock each table's rows were ordered by before the ledger had a commit order. */
const CLOCK: Record<string, string> = {
  partitions: 'finished_at',
  models: 'built_at',
  failures: 'failed_at',
  seeds: 'loaded_at',
};

/** What an upgrade of an older ledger did, to be said once. */
export interface LedgerUpgrade {
  /** Windows recorded before data versions: trusted as current. */
  readonly legacyWindows: number;
}

/**
 * Create the ledger when missing, or upgrade an older one in place, in one transaction: add
 * the columns it lacks, order its rows by their clocks into the commit order (`seq`), and
 * start the sequence after them. Returns what an upgrade did, or undefined.
 */
export async function ensureLedger(conn: Connection): Promise<LedgerUpgrade | undefined> {
  const first = await ledgerChanges(conn);
  if (first === undefined) return undefined;
  return inTransaction(conn, async () => {
    // Where many processes write one warehouse, one makes or upgrades the ledger; the others
    // find it done once they get the lock.
    const lock = conn.dialect.stepLock?.([LEDGER_LOCK], true);
    let changes: LedgerChanges | undefined = first;
    if (lock !== undefined) {
      await conn.query(lock);
      changes = await ledgerChanges(conn);
      if (changes === undefined) return undefined;
    }
    const { missing, fresh, hasSequence, setUp } = changes;
    const { setup } = conn.dialect;
    await conn.run(`CREATE SCHEMA IF NOT EXISTS ${STATE_SCHEMA}`);
    for (const table of fresh)
      await conn.run(
        `CREATE TABLE IF NOT EXISTS ${STATE_SCHEMA}.${table} (\n  ${TABLES[table]}\n)`,
      );
    if (!setUp) for (const statement of setup?.statements ?? []) await conn.run(statement);
    for (const m of missing)
      await conn.run(`ALTER TABLE ${STATE_SCHEMA}.${m.table} ADD COLUMN "${m.name}" ${m.type}`);
    const ordered = [...new Set(missing.filter((m) => m.name === 'seq').map((m) => m.table))];
    let legacyWindows = 0;
    if (ordered.length > 0) {
      // One order across the tables, so that a window and a table build compare.
      const union = ordered
        .map(
          (t) =>
            `SELECT '${t}' AS t, ${conn.dialect.rowId} AS r, ${CLOCK[t]} AS c FROM ${STATE_SCHEMA}.${t}`,
        )
        .join(' UNION ALL ');
      await conn.run(
        `CREATE TEMP TABLE etl_seq_upgrade AS SELECT t, r, row_number() OVER (ORDER BY c, t, r) AS seq FROM (${union})`,
      );
      for (const t of ordered)
        await conn.run(
          `UPDATE ${STATE_SCHEMA}.${t} SET seq = u.seq FROM etl_seq_upgrade u WHERE u.t = '${t}' AND u.r = ${STATE_SCHEMA}.${t}.${conn.dialect.rowId}`,
        );
      await conn.run('DROP TABLE etl_seq_upgrade');
      if (ordered.includes('partitions')) {
        const [row] = await conn.query(`SELECT count(*) AS n FROM ${STATE_SCHEMA}.partitions`);
        legacyWindows = Number(row?.n ?? 0);
      }
    }
    if (!hasSequence) {
      const max = Object.keys(CLOCK)
        .map((t) => `SELECT max(seq) AS m FROM ${STATE_SCHEMA}.${t}`)
        .join(' UNION ALL ');
      const [row] = await conn.query(`SELECT coalesce(max(m), 0) + 1 AS n FROM (${max})`);
      await conn.run(`CREATE SEQUENCE ${STATE_SCHEMA}.seq START WITH ${Number(row?.n ?? 1)}`);
    }
    return ordered.includes('partitions') ? { legacyWindows } : undefined;
  });
}

/** The lock key of making or upgrading the ledger. */
const LEDGER_LOCK = 'etl ledger';

/** What the ledger lacks: columns, tables, the sequence, the engine's setup. */
interface LedgerChanges {
  readonly missing: readonly { table: string; name: string; type: string }[];
  readonly fresh: readonly string[];
  readonly hasSequence: boolean;
  readonly setUp: boolean;
}

/** What the ledger lacks, or undefined when it is as this version writes it. */
async function ledgerChanges(conn: Connection): Promise<LedgerChanges | undefined> {
  const existing = await ledgerColumns(conn);
  const missing = Object.entries(TABLES).flatMap(([table, ddl]) => {
    const have = existing.get(table);
    if (have === undefined) return [];
    return columnDefs(ddl)
      .filter(([name]) => !have.has(name))
      .map(([name, type]) => ({ table, name, type }));
  });
  const fresh = Object.keys(TABLES).filter((t) => !existing.has(t));
  const hasSequence =
    (await conn.query(conn.dialect.sequenceExists(STATE_SCHEMA, 'seq'))).length > 0;
  const { setup } = conn.dialect;
  const setUp = setup === undefined || (await conn.query(setup.check)).length > 0;
  if (missing.length === 0 && fresh.length === 0 && hasSequence && setUp) return undefined;
  return { missing, fresh, hasSequence, setUp };
}

/** `[name, type]` of each column of a table's DDL body. */
function columnDefs(ddl: string): [string, string][] {
  return ddl.split(',\n').map((line) => {
    const [name = '', ...type] = line.trim().split(/\s+/);
    return [name.replaceAll('"', ''), type.join(' ').replace(/ NOT NULL$/, '')];
  });
}
