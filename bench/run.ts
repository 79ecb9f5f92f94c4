/**
 * npm run bench [-- --quick] [--scale N] [--runs N] [--json] [--write]
 *   [--skip-postgres | --only-postgres]
 *
 * Measures etl against its floor (DuckDB running the same SQL with no tool around it), side
 * by side in one run, several times, and prints medians and ratios. --write records the
 * figures in BENCHMARKS.md with the machine they were taken on. The PostgreSQL cases
 * (postgres.ts) run on a server of their own, over 2,000,000 events (times --scale): each
 * window's DELETE and ledger hash scan the whole table there (it has no index), so the cost
 * grows with the square of the rows.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backfillProject, buildProject } from '../core/api/build.js';
import { loadProject } from '../core/project/load-project.js';
import { compileProject } from '../core/compile/compile-project.js';
import { parseTarget } from '../core/engine/target.js';
import { planBuild } from '../core/plan/plan-build.js';
import { EMPTY_STATE } from '../core/state/warehouse-state.js';
import { parseDay } from '../core/time/dates.js';
import { formatDay } from '../core/time/window.js';
import { child, commandMs, median, time } from './measure.js';
import { FIRST_DAY, LAST_DAY, generateEvents } from './events-data.js';
import { bareCtas, bareWindows, eventsModel } from './floor.js';
import { writeHourlyProject, writeLayeredProject } from './generated-project.js';
import { writeLedgerWarehouse } from './ledger-warehouse.js';
import { postgresCases } from './postgres.js';
import { dataformBin, writeDataformProject } from './dataform.js';
import { writeReport, type Row } from './report.js';

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(name);
const value = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = flag('--quick');
const scale = Number(value('--scale') ?? (quick ? 0.1 : 1));
const runs = Number(value('--runs') ?? (quick ? 1 : 3));
const ROWS = Math.round(20_000_000 * scale);
const DAYS = 365;
const first = parseDay(FIRST_DAY)!;
const last = parseDay(LAST_DAY)!;
const work = mkdtempSync(join(tmpdir(), 'etl-bench-'));
const BIN = fileURLToPath(new URL('../cli/etl.cjs', import.meta.url));
const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
const rows: Row[] = [];
const log = (line: string): void => {
  if (!flag('--json')) process.stderr.write(`${line}\n`);
};

/** A project over a copy of the events database, ready for a backfill (of hours with `hourly`). */
function eventsProject(name: string, base: string, batchSize?: number, hourly = false): string {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'models'), { recursive: true });
  writeFileSync(
    join(dir, 'etl.yml'),
    'target: duckdb:w.duckdb\nsources:\n  raw:\n    events: { table: main.events }\n    events_unsorted: { table: main.events_unsorted }\n',
  );
  const model = hourly
    ? eventsModel('events').replace("grain='day'", "grain='hour'")
    : eventsModel('events');
  writeFileSync(
    join(dir, 'models', 'fct.sql'),
    batchSize
      ? model.replace("start='2023-01-01'", `start='2023-01-01', batch_size=${batchSize}`)
      : model,
  );
  writeFileSync(join(dir, 'models', 'fct_unsorted.sql'), eventsModel('events_unsorted'));
  copyFileSync(base, join(dir, 'w.duckdb'));
  return dir;
}

/** A fresh copy of the events database, for a floor to write into. */
function freshCopy(base: string, name: string): string {
  const path = join(work, `${name}.duckdb`);
  rmSync(path, { force: true });
  copyFileSync(base, path);
  return path;
}

/**
 * Milliseconds of a backfill of the whole year in `dir`; throws if it fails. One window a
 * transaction unless `batchSize` says otherwise (`adaptive`: etl's default).
 */
async function backfill(
  dir: string,
  select: string,
  threads: number,
  batchSize: number | 'adaptive' = 1,
  extra: { force?: boolean } = {},
): Promise<number> {
  return time(async () => {
    const { summary } = await backfillProject({
      project: dir,
      from: first,
      to: last,
      select: [select],
      threads,
      ...(batchSize === 'adaptive' ? {} : { batchSize }),
      ...extra,
    });
    if (summary.status !== 'success') throw new Error(JSON.stringify(summary.failures));
  });
}

/** Each case in turn, then the table (or JSON) of their figures. */
async function main(): Promise<void> {
  log(
    `etl bench: ${ROWS.toLocaleString('en-US')} events over ${DAYS} days, ${runs} run(s) per case, in ${work}`,
  );
  if (!flag('--only-postgres')) await duckdbCases();
  if (!flag('--skip-postgres'))
    rows.push(
      ...(await postgresCases({
        events: Math.round(2_000_000 * scale),
        runs,
        work,
        bin: BIN,
        log,
      })),
    );
  finish();
}

/** The DuckDB cases, on the generated events. */
async function duckdbCases(): Promise<void> {
  const base = join(work, 'events.duckdb');
  const genMs = await time(() => generateEvents(base, ROWS));
  log(`  generated the events in ${(genMs / 1000).toFixed(1)} s`);
  const perWindow = await perWindowCase(base);
  perWindowProcessCase(base);
  await batchedCase(base);
  await unsortedCase(base, perWindow);
  await threadsCase(base);
  await compileCase();
  peerCase();
  planCase();
  await planOverLedgerCase();
  await buildOverHistoryCase();
  await fullRefreshCase(base);
  startupCase();
  memoryCase(base);
  adaptiveCase(base);
}

/**
 * 9. A year of an hourly model (8,760 windows) with etl's defaults (adaptive batching, 4
 * threads), as a whole process, against a whole process running one CREATE TABLE AS over the
 * year. Both close the file (DuckDB checkpoints it).
 */
function adaptiveCase(base: string): void {
  const etl: number[] = [];
  const ctas: number[] = [];
  const script = fileURLToPath(new URL('./ctas-process.js', import.meta.url));
  for (let r = 0; r < runs; r++) {
    ctas.push(commandMs(process.execPath, [script, freshCopy(base, 'ctas-process')]));
    const dir = eventsProject('hourly-adaptive', base, undefined, true);
    const args = [BIN, 'backfill', '--from', FIRST_DAY, '--to', LAST_DAY, '-s', 'fct', '--quiet'];
    etl.push(commandMs(process.execPath, args, dir));
  }
  rows.push({
    case: '9. a year of hourly windows, defaults (adaptive batching), whole process',
    etl: median(etl),
    floor: median(ctas),
    floorName: 'one CREATE TABLE AS, whole process',
    target: 3,
  });
  log(`  9. hourly year ${ms(median(etl))} vs CTAS process ${ms(median(ctas))}`);
}

/** 1. Per-window backfill vs the bare per-window loop. Returns the backfill's times. */
async function perWindowCase(base: string): Promise<number[]> {
  const perWindow: number[] = [];
  const bare: number[] = [];
  const hashed: number[] = [];
  for (let r = 0; r < runs; r++) {
    bare.push(await time(() => bareWindows(freshCopy(base, 'bare'), 'events', first, DAYS)));
    perWindow.push(await backfill(eventsProject('per-window', base), 'fct', 1));
    hashed.push(
      await time(() => bareWindows(freshCopy(base, 'bare'), 'events', first, DAYS, 1, true)),
    );
  }
  rows.push({
    case: '1. per-window backfill, 365 daily windows (1 thread)',
    etl: median(perWindow),
    floor: median(bare),
    floorName: 'bare BEGIN/DELETE/INSERT/ledger/COMMIT loop',
    target: 1.1,
  });
  // The same floor with the second pass etl makes for each window's content hash: what is
  // left of the gap is etl's own.
  rows.push({
    case: '   the same against a bare loop that also counts and hashes each window',
    etl: median(perWindow),
    floor: median(hashed),
    floorName: 'bare loop, ledger row with count and hash',
    target: undefined,
  });
  log(
    `  1. per-window ${ms(median(perWindow))} vs bare ${ms(median(bare))}, hashed ${ms(median(hashed))}`,
  );
  return perWindow;
}

/**
 * 1b. The same as whole processes over the first 120 days, as cron runs it: `etl backfill`
 * (one window a transaction, 1 thread) against a process running the bare loop. Start-up,
 * compile and the ledger's reads count here.
 */
function perWindowProcessCase(base: string): void {
  const days = 120;
  const etl: number[] = [];
  const bare: number[] = [];
  const script = fileURLToPath(new URL('./bare-process.js', import.meta.url));
  const to = formatDay(first + (days - 1) * 86_400_000);
  for (let r = 0; r < (quick ? 1 : Math.max(runs, 3)); r++) {
    bare.push(commandMs(process.execPath, [script, freshCopy(base, 'bare-process'), String(days)]));
    const dir = eventsProject('per-window-process', base);
    const args = [BIN, 'backfill', '--from', FIRST_DAY, '--to', to, '-s', 'fct'];
    etl.push(
      commandMs(process.execPath, [...args, '--batch-size', '1', '--threads', '1', '--quiet'], dir),
    );
  }
  rows.push({
    case: `1b. per-window backfill, ${days} daily windows, whole processes`,
    etl: median(etl),
    floor: median(bare),
    floorName: 'the bare loop, whole process',
    target: 1.1,
  });
  log(
    `  1b. per-window ${days} windows, processes: ${ms(median(etl))} vs bare ${ms(median(bare))}`,
  );
}

/** 2. Batched backfill vs one CREATE TABLE AS over the range; batch sizes 30, 90 and 365. */
async function batchedCase(base: string): Promise<void> {
  const ctas: number[] = [];
  const bare30: number[] = [];
  const batched = new Map<number, number[]>([
    [30, []],
    [90, []],
    [365, []],
  ]);
  for (let r = 0; r < runs; r++) {
    ctas.push(await time(() => bareCtas(freshCopy(base, 'ctas'), 'events', first, DAYS)));
    bare30.push(
      await time(() => bareWindows(freshCopy(base, 'bare30'), 'events', first, DAYS, 30)),
    );
    for (const [size, times] of batched)
      times.push(await backfill(eventsProject(`batched-${size}`, base, size), 'fct', 1, size));
  }
  batchedRows(batched, ctas, bare30);
  log(
    `  2. batched ${[...batched].map(([k, v]) => `${k}: ${ms(median(v))}`).join(', ')} vs CTAS ${ms(median(ctas))} (bare 30-day ${ms(median(bare30))})`,
  );
}

/** Case 2's rows: the best batch size against its floor; other sizes and bare 30-day as context. */
function batchedRows(
  batched: ReadonlyMap<number, number[]>,
  ctas: readonly number[],
  bare30: readonly number[],
): void {
  const [bestSize, bestTimes] = [...batched].sort((a, b) => median(a[1]) - median(b[1]))[0]!;
  rows.push({
    case: `2. batched backfill, best batch_size (${bestSize}) (1 thread)`,
    etl: median(bestTimes),
    floor: median(ctas),
    floorName: 'one CREATE TABLE AS',
    target: 1.05,
  });
  for (const [size, times] of batched)
    if (size !== bestSize)
      rows.push({
        case: `   batch_size ${size}`,
        etl: median(times),
        floor: median(ctas),
        floorName: 'one CREATE TABLE AS',
        target: undefined,
      });
  rows.push({
    case: '   for context: bare 30-day transactions',
    etl: median(bare30),
    floor: median(ctas),
    floorName: 'one CREATE TABLE AS',
    target: undefined,
  });
}

/** Out-of-time-order source: every window scans everything. Against case 1's times. */
async function unsortedCase(base: string, perWindow: readonly number[]): Promise<void> {
  const unsorted: number[] = [];
  for (let r = 0; r < runs; r++)
    unsorted.push(await backfill(eventsProject('unsorted', base), 'fct_unsorted', 1));
  rows.push({
    case: '   source out of time order, per-window',
    etl: median(unsorted),
    floor: median(perWindow),
    floorName: 'the same on a time-sorted source',
    target: undefined,
  });
  log(`  unsorted source ${ms(median(unsorted))} vs sorted ${ms(median(perWindow))}`);
}

/** 3. Parallel windows. */
async function threadsCase(base: string): Promise<void> {
  const two: number[] = [];
  const one: number[] = [];
  for (let r = 0; r < runs; r++) {
    one.push(await backfill(eventsProject('t1', base), 'fct', 1));
    two.push(await backfill(eventsProject('t2', base), 'fct', 2));
  }
  rows.push({
    case: '3. per-window backfill, --threads 2 vs 1',
    etl: median(two),
    floor: median(one),
    floorName: '--threads 1',
    target: 1 / 1.3,
    lowerIsBetter: true,
    speedup: median(one) / median(two),
  });
  log(`  3. threads 2 ${ms(median(two))} vs 1 ${ms(median(one))}`);
}

/** 4. Compile of generated projects (render + DAG + plan), and how its time grows with size. */
async function compileCase(): Promise<void> {
  const sizes = quick ? [1000, 2000] : [1000, 10000];
  const compileMs: number[] = [];
  for (const n of sizes) {
    const dir = join(work, `layered-${n}`);
    writeLayeredProject(dir, n);
    const times: number[] = [];
    for (let r = 0; r < Math.max(runs, 2); r++) times.push(await time(() => compileAndPlan(dir)));
    compileMs.push(median(times));
    rows.push({
      case: `4. compile ${n.toLocaleString('en-US')} models (render + DAG + plan)`,
      etl: median(times),
      floor: n, // the target: 1 ms a model (1,000 in 1 s, 10,000 in 10 s)
      floorName: 'the target time',
      target: 1,
    });
    log(`  4. compile ${n} models ${ms(median(times))}`);
  }
  const linear = compileMs[1]! / compileMs[0]! / (sizes[1]! / sizes[0]!);
  rows.push({
    case: `   ${sizes[1]!.toLocaleString('en-US')}/${sizes[0]!.toLocaleString('en-US')} time ratio per model (linear = 1)`,
    etl: linear,
    floor: 1,
    floorName: 'linear',
    target: 1.2,
    unit: 'x',
  });
}

/**
 * 3. `etl plan` of the generated 1,000-model project as a whole process, and 8. Dataform's
 * `compile` of the same graph (models, refs, materializations) beside it, when
 * `npm run bench:peers` installed it; a line says how otherwise.
 */
function peerCase(): void {
  const dir = join(work, 'layered-1000');
  if (!existsSync(dir)) writeLayeredProject(dir, 1000);
  const one = join(work, 'layered-1');
  if (!existsSync(one)) writeLayeredProject(one, 1);
  const args = [BIN, 'plan', '--date', '2024-01-15'];
  // Cold: the first run after an install, without V8's code cache of the bundle (it writes
  // it) nor .etl/ (what an earlier run left in the project); a new project: without .etl/,
  // with the code cache; warm: run again at once. Side by side, the fixed cost: Node itself,
  // and `etl plan` of a one-model project. All without NODE_EXTRA_CA_CERTS (benchEnv), and
  // warm once more with it when this machine sets it.
  const codeCache = join(dirname(BIN), 'etl-bundle.plan.cache');
  const plan: number[] = [];
  const project: number[] = [];
  const warm: number[] = [];
  const fixed: number[] = [];
  const node: number[] = [];
  // And warm as this machine runs Node, when it sets NODE_EXTRA_CA_CERTS (see benchEnv).
  const caCerts = process.env.NODE_EXTRA_CA_CERTS;
  const withCerts: Record<string, string> =
    caCerts === undefined ? {} : { NODE_EXTRA_CA_CERTS: caCerts };
  const warmCerts: number[] = [];
  const nodeCerts: number[] = [];
  for (let r = 0; r < (quick ? 2 : Math.max(runs, 3)); r++) {
    rmSync(join(dir, '.etl'), { recursive: true, force: true });
    rmSync(codeCache, { force: true });
    plan.push(commandMs(process.execPath, args, dir));
    rmSync(join(dir, '.etl'), { recursive: true, force: true });
    project.push(commandMs(process.execPath, args, dir));
    warm.push(commandMs(process.execPath, args, dir));
    fixed.push(commandMs(process.execPath, args, one));
    node.push(commandMs(process.execPath, ['-e', '0']));
    if (caCerts !== undefined) {
      warmCerts.push(commandMs(process.execPath, args, dir, withCerts));
      nodeCerts.push(commandMs(process.execPath, ['-e', '0'], undefined, withCerts));
    }
  }
  rows.push({
    case: '3. etl plan of 1,000 models, whole process, cold (first run after install)',
    etl: median(plan),
    floor: 300,
    floorName: 'the target time',
    target: 1,
  });
  rows.push({
    case: '   the same, a new project (no .etl/; code cache from an earlier run)',
    etl: median(project),
    floor: 300,
    floorName: 'the target time',
    target: 1,
  });
  rows.push({
    case: '   the same, warm (run again at once)',
    etl: median(warm),
    floor: 300,
    floorName: 'the target time',
    target: 1,
  });
  rows.push({
    case: '   etl plan of 1 model (the fixed cost) vs node -e 0',
    etl: median(fixed),
    floor: median(node),
    floorName: 'node -e 0',
    target: undefined,
  });
  if (caCerts !== undefined) {
    rows.push({
      case: "   the same, warm, with this machine's NODE_EXTRA_CA_CERTS",
      etl: median(warmCerts),
      floor: 300,
      floorName: 'the target time',
      target: undefined,
      note: `context: Node's start with it (node -e 0) ${ms(median(nodeCerts))}, without ${ms(median(node))}`,
    });
  }
  log(
    `  3. etl plan 1,000 models ${ms(median(plan))} cold, ${ms(median(project))} new project, ${ms(median(warm))} warm; 1 model ${ms(median(fixed))}; node -e 0 ${ms(median(node))}`,
  );
  const bin = dataformBin();
  if (bin === undefined) {
    log(
      '  8. Dataform compile: skipped (not installed; `npm run bench:peers` installs @dataform/cli 3.0.69 into .bench-peers/, about 150 MB)',
    );
    return;
  }
  const peer = join(work, 'dataform-1000');
  writeDataformProject(peer, 1000);
  const compile: number[] = [];
  // About 15-20 s a run: two runs, or one with --quick.
  for (let r = 0; r < (quick ? 1 : 2); r++)
    compile.push(commandMs(process.execPath, [bin, 'compile', '--json'], peer));
  rows.push({
    case: '8. etl plan vs Dataform 3.0.69 compile of the same 1,000 models, whole processes',
    etl: median(plan),
    floor: median(compile),
    floorName: 'dataform compile',
    target: 1 / 20,
    lowerIsBetter: true,
    speedup: median(compile) / median(plan),
  });
  log(`  8. dataform compile ${ms(median(compile))} vs etl plan ${ms(median(plan))}`);
}

/** Load, compile and plan a build of every model of a project, as `etl plan` would. */
function compileAndPlan(dir: string): void {
  const project = loadProject(dir);
  const compiled = compileProject(project, { target: parseTarget('duckdb::memory:', dir) });
  planBuild(compiled, EMPTY_STATE, {
    selected: new Set(compiled.nodes.keys()),
    fullRefresh: false,
    seedHashes: new Map(),
    date: parseDay('2024-01-15')!,
  });
}

/** 5. Planning 876,000 hourly windows without building. */
function planCase(): void {
  const hourly = join(work, 'hourly');
  writeHourlyProject(hourly, 100);
  const plan = child<{ ms: number; maxRssMb: number; windows: number }>([
    CHILD,
    'plan',
    hourly,
    '2014-01-01',
    '2014-12-31',
  ]);
  rows.push({
    case: `5. plan ${plan.windows.toLocaleString('en-US')} hourly windows (100 models)`,
    etl: plan.ms,
    floor: 2000,
    floorName: 'the target time',
    target: 1,
    note: `peak RSS ${Math.round(plan.maxRssMb)} MiB (target < 1,024)`,
  });
  log(`  5. plan ${plan.windows} windows ${ms(plan.ms)}, ${Math.round(plan.maxRssMb)} MiB`);
}

/**
 * 5b. The same 876,000 windows over a ledger that records them all, with input versions:
 * reading the ledger and computing each window's standing is the cost of staleness.
 */
async function planOverLedgerCase(): Promise<void> {
  const ledgerDir = join(work, 'hourly-ledger');
  writeHourlyProject(ledgerDir, 100);
  const ledgerWindows = await writeLedgerWarehouse(
    ledgerDir,
    parseDay('2014-01-01')!,
    parseDay('2014-12-31')!,
  );
  const done = planOver(ledgerDir);
  rows.push({
    case: `5b. plan ${ledgerWindows.toLocaleString('en-US')} windows over their ledger, all done (input versions)`,
    etl: median(done.map((d) => d.ms)),
    floor: 2000,
    floorName: 'the target time',
    target: 1,
    note: `peak RSS ${Math.round(median(done.map((d) => d.maxRssMb)))} MiB (target < 1,024); ${done[0]!.toBuild} to build`,
  });
  // `etl status` over the same ledger: in a child (its peak memory) and as a whole process.
  const status = Array.from({ length: quick ? 1 : Math.max(runs, 2) }, () =>
    child<PlanRun>([CHILD, 'status', ledgerDir, '2014-12-31']),
  );
  const whole = Array.from({ length: quick ? 1 : Math.max(runs, 3) }, () =>
    commandMs(process.execPath, [BIN, 'status', '--until', '2014-12-31'], ledgerDir),
  );
  rows.push({
    case: `    etl status over the same ledger, whole process`,
    etl: median(whole),
    floor: 2000,
    floorName: 'the target time',
    target: 1,
    note: `${ms(median(status.map((d) => d.ms)))} without Node's start; peak RSS ${Math.round(median(status.map((d) => d.maxRssMb)))} MiB (target < 1,024); ${status[0]!.windows.toLocaleString('en-US')} windows done`,
  });
  log(`  5b. etl status over the ledger ${ms(median(whole))} (whole process)`);
  // A seed they all read edited: every window is stale, with its reason.
  writeFileSync(
    join(ledgerDir, 'seeds', 'src.csv'),
    'id,t\n1,2014-01-01 00:00:00\n2,2014-01-02 00:00:00\n',
  );
  const stale = planOver(ledgerDir);
  rows.push({
    case: '    the plan after a seed edit: all stale',
    etl: median(stale.map((d) => d.ms)),
    floor: 2000,
    floorName: 'the target time',
    target: undefined,
    note: `peak RSS ${Math.round(median(stale.map((d) => d.maxRssMb)))} MiB; ${stale[0]!.toBuild.toLocaleString('en-US')} to build`,
  });
  log(
    `  5b. plan over a ledger: all done ${ms(median(done.map((d) => d.ms)))} ${Math.round(median(done.map((d) => d.maxRssMb)))} MiB; all stale ${ms(median(stale.map((d) => d.ms)))} ${Math.round(median(stale.map((d) => d.maxRssMb)))} MiB`,
  );
}

/**
 * 5c. `etl build --date` of the day after ten years of hourly windows (10 models: 876,480
 * windows in the ledger) against the same build after one day of them, as whole processes:
 * the plan reads the ledger rows of the windows it can look at, so history should cost
 * nothing. (--quick: one year.)
 */
async function buildOverHistoryCase(): Promise<void> {
  const models = 10;
  const lastYear = quick ? 2014 : 2023;
  const long = join(work, 'history-long');
  const short = join(work, 'history-short');
  writeHourlyProject(long, models);
  writeHourlyProject(short, models);
  const windows = await writeLedgerWarehouse(
    long,
    parseDay('2014-01-01')!,
    parseDay(`${lastYear}-12-31`)!,
  );
  await writeLedgerWarehouse(short, parseDay(`${lastYear}-12-31`)!, parseDay(`${lastYear}-12-31`)!);
  const args = [BIN, 'build', '--date', `${lastYear + 1}-01-01`, '--quiet'];
  const longMs: number[] = [];
  const shortMs: number[] = [];
  for (let r = 0; r < Math.max(runs, 2); r++) {
    shortMs.push(commandMs(process.execPath, args, short));
    longMs.push(commandMs(process.execPath, args, long));
  }
  rows.push({
    case: `5c. build --date after ${windows.toLocaleString('en-US')} hourly windows (${models} models)`,
    etl: median(longMs),
    floor: median(shortMs),
    floorName: 'the same build after one day of them',
    target: 1.1,
  });
  log(
    `  5c. build --date after ${windows} windows ${ms(median(longMs))} vs after one day ${ms(median(shortMs))}`,
  );
}

/** What a child process reports of a plan over a warehouse. */
type PlanRun = { ms: number; maxRssMb: number; windows: number; toBuild: number };

/** Plans of the hourly range over the warehouse in `dir`, each in a child process of its own. */
function planOver(dir: string): PlanRun[] {
  return Array.from({ length: quick ? 1 : Math.max(runs, 2) }, () =>
    child<PlanRun>([CHILD, 'plan-warehouse', dir, '2014-01-01', '2014-12-31']),
  );
}

/**
 * 8. A full refresh (every window written aside, then swapped in) against the same windows
 * rebuilt in place by a forced backfill.
 */
async function fullRefreshCase(base: string): Promise<void> {
  const refresh: number[] = [];
  const forced: number[] = [];
  for (let r = 0; r < runs; r++) {
    const dir = eventsProject('refresh', base);
    // Both with the defaults (adaptive batching), as a user runs them.
    await backfill(dir, 'fct', 1, 'adaptive');
    forced.push(await backfill(dir, 'fct', 1, 'adaptive', { force: true }));
    refresh.push(await time(() => fullRefresh(dir)));
  }
  rows.push({
    case: `8. full refresh of ${DAYS} daily windows (aside, then swap)`,
    etl: median(refresh),
    floor: median(forced),
    floorName: 'backfill --force of the same windows in place',
    target: undefined,
  });
  log(`  8. full refresh ${ms(median(refresh))} vs forced backfill ${ms(median(forced))}`);
}

/** `etl build --full-refresh` of the events model; throws if it fails. */
async function fullRefresh(dir: string): Promise<void> {
  const { summary } = await buildProject({
    project: dir,
    date: last,
    select: ['fct'],
    fullRefresh: true,
    threads: 1,
  });
  if (summary.status !== 'success') throw new Error(JSON.stringify(summary.failures));
}

/** 6. Start-up. */
function startupCase(): void {
  const etlStart: number[] = [];
  const nodeStart: number[] = [];
  for (let r = 0; r < 10; r++) {
    nodeStart.push(commandMs(process.execPath, ['-e', '0']));
    etlStart.push(commandMs(process.execPath, [BIN, '--version']));
  }
  rows.push({
    case: '6. etl --version vs node -e 0',
    etl: median(etlStart),
    floor: median(nodeStart),
    floorName: 'node -e 0',
    target: 2,
  });
  log(`  6. start-up ${ms(median(etlStart))} vs ${ms(median(nodeStart))}`);
}

/**
 * 7. Memory: peak RSS of a 30-window and a 365-window backfill, without and with a DuckDB
 * memory limit (DuckDB caches what it writes), and etl's own heap.
 */
function memoryCase(base: string): void {
  const m30 = backfillMemory(base, '2023-01-30');
  const m365 = backfillMemory(base, LAST_DAY);
  rows.push({
    case: '7. peak RSS, 365-window vs 30-window backfill',
    etl: m365.maxRssMb,
    floor: m30.maxRssMb,
    floorName: '30 windows',
    target: 1.2,
    unit: 'MiB',
    note: `etl's JS heap after the run: ${m365.heapMb.toFixed(1)} vs ${m30.heapMb.toFixed(1)} MiB`,
  });
  const l30 = backfillMemory(base, '2023-01-30', '256MB');
  const l365 = backfillMemory(base, LAST_DAY, '256MB');
  rows.push({
    case: '   the same with ETL_DUCKDB_MEMORY_LIMIT=256MB',
    etl: l365.maxRssMb,
    floor: l30.maxRssMb,
    floorName: '30 windows',
    target: 1.2,
    unit: 'MiB',
  });
  log(
    `  7. peak RSS ${Math.round(m365.maxRssMb)} vs ${Math.round(m30.maxRssMb)} MiB; with a limit ${Math.round(l365.maxRssMb)} vs ${Math.round(l30.maxRssMb)} MiB`,
  );
}

/** What a child process reports of its memory. */
type Mem = { maxRssMb: number; heapMb: number };

/** Memory of a backfill from the first day to `to`, in a child process, under a DuckDB `limit`. */
function backfillMemory(base: string, to: string, limit?: string): Mem {
  return child<Mem>(
    [CHILD, 'backfill', eventsProject(`mem-${to}`, base), FIRST_DAY, to, '1', '1'],
    limit ? { ETL_DUCKDB_MEMORY_LIMIT: limit } : {},
  );
}

/** Print the figures (and with --write record them in BENCHMARKS.md); remove the work directory. */
function finish(): void {
  const report = {
    date: new Date().toISOString(),
    quick,
    rows: ROWS,
    runs,
    machine: machine(),
    results: rows,
  };
  if (flag('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(table(rows));
  if (flag('--write'))
    writeReport(fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url)), report);
  rmSync(work, { recursive: true, force: true });
}

/** A duration as the log and the table print it. */
function ms(n: number): string {
  return n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(2)} s`;
}

/** The machine the figures were taken on. */
function machine() {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    duckdb: '1.5 (@duckdb/node-api)',
  };
}

/** The figures as a plain-text table, each row against its target. */
function table(results: readonly Row[]): string {
  const lines = [
    '',
    'case'.padEnd(58) +
      'etl'.padStart(12) +
      'floor'.padStart(12) +
      'ratio'.padStart(9) +
      '  target',
    '-'.repeat(100),
  ];
  for (const r of results) {
    const fmt = (n: number) =>
      r.unit === 'x' ? n.toFixed(2) : r.unit === 'MiB' ? `${Math.round(n)} MiB` : ms(n);
    const ratio =
      r.speedup !== undefined ? `${r.speedup.toFixed(2)}x` : (r.etl / r.floor).toFixed(2);
    const target =
      r.target === undefined
        ? ''
        : r.speedup !== undefined
          ? `>= ${(1 / r.target).toFixed(2)}x`
          : `<= ${r.target}`;
    const ok =
      r.target === undefined
        ? ''
        : (r.speedup !== undefined ? r.speedup >= 1 / r.target : r.etl / r.floor <= r.target)
          ? '  ok'
          : '  MISSED';
    lines.push(
      r.case.padEnd(58) +
        fmt(r.etl).padStart(12) +
        fmt(r.floor).padStart(12) +
        ratio.padStart(9) +
        `  ${target}${ok}${r.note ? `  (${r.note})` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

await main();
