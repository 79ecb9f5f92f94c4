import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EtlError,
  UsageError,
  backfillProject,
  buildProject,
  catchUpProject,
  compileModels,
  initProject,
  parseDateInput,
  planBackfillProject,
  planBuildProject,
  planCatchUpProject,
  projectStatus,
  sourceFreshness,
  testProject,
  verifyProject,
  type DateInput,
  type Reporter,
  type RunSummary,
  type StepResult,
} from '../../core/index.js';
import { copyExampleProject } from '../helpers/example-project.js';

/**
 * The library as a program sees it, through core/index.ts: its commands return Promises that
 * reject on bad input (never a synchronous throw), take dates in three forms, and stop on an
 * AbortSignal.
 */

/** Call `run`: it must return a Promise, not throw, and the Promise must reject. */
async function rejects(run: () => Promise<unknown>): Promise<unknown> {
  let returned: unknown;
  expect(() => {
    returned = run();
  }).not.toThrow();
  expect(returned).toBeInstanceOf(Promise);
  return (returned as Promise<unknown>).then(
    () => expect.fail('expected the Promise to reject'),
    (error: unknown) => error,
  );
}

const CLOCK = () => Date.UTC(2024, 1, 1, 6);

/** Exported functions that stay synchronous (pure, or blocking reads of project files): they throw. */
const SYNCHRONOUS = new Set([
  'addGrain',
  'compileProject',
  'countWindows',
  'dayWindow',
  'defaultBuildDate',
  'environmentError',
  'errorMessage',
  'floorToGrain',
  'formatDay',
  'formatTimestamp',
  'loadProject',
  'mergeWindows',
  'openProject',
  'parseDateInput',
  'parseDay',
  'parseTarget',
  'planBuild',
  'renderModel',
  'resolveTarget',
  'selectNodes',
  'windowContaining',
  'windowLabel',
  'windowsBetween',
  'windowsForDay',
  'windowsOverlapping',
]);

it('every exported function is async but the synchronous stages listed', async () => {
  const api = (await import('../../core/index.js')) as Record<string, unknown>;
  const functions = Object.entries(api).filter(
    ([, v]) => typeof v === 'function' && !/^class\b/.test(Function.prototype.toString.call(v)),
  );
  const notAsync = functions
    .filter(
      ([name, fn]) => (fn as object).constructor.name !== 'AsyncFunction' && !SYNCHRONOUS.has(name),
    )
    .map(([name]) => name);
  expect(notAsync).toEqual([]);
  expect(functions.map(([name]) => name)).toEqual(
    expect.arrayContaining(['buildProject', 'backfillProject', 'initProject', 'compileModels']),
  );
});

describe('the library commands reject, never throw', () => {
  const nowhere = join(tmpdir(), 'etl-no-such-project-a1b2c3', 'deeper');
  const missing = { project: nowhere, env: {}, clock: CLOCK };
  const range = { from: '2024-01-01', to: '2024-01-02' };

  const calls: [string, () => Promise<unknown>][] = [
    ['buildProject', () => buildProject({ ...missing, date: '2024-01-01' })],
    ['buildProject (seedsOnly)', () => buildProject({ ...missing, seedsOnly: { force: false } })],
    ['planBuildProject', () => planBuildProject(missing)],
    ['backfillProject', () => backfillProject({ ...missing, ...range })],
    ['planBackfillProject', () => planBackfillProject({ ...missing, ...range })],
    ['catchUpProject', () => catchUpProject(missing)],
    ['planCatchUpProject', () => planCatchUpProject(missing)],
    ['testProject', () => testProject(missing)],
    ['verifyProject', () => verifyProject({ ...missing, ...range })],
    ['projectStatus', () => projectStatus(missing)],
    ['sourceFreshness', () => sourceFreshness(missing)],
    ['compileModels', () => compileModels(missing)],
  ];
  for (const [name, call] of calls)
    it(`${name}: a project that does not exist`, async () => {
      const error = await rejects(call);
      expect(error).toBeInstanceOf(EtlError);
    });

  it('initProject: a folder that already holds a project', async () => {
    const error = await rejects(() =>
      initProject(fileURLToPath(new URL('../../', import.meta.url))),
    );
    expect(error).toMatchObject({ code: 'E_INIT' });
  });

  it('initProject writes a starter project that compiles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'etl-init-'));
    try {
      const written = await initProject(join(dir, 'starter'));
      expect(written).toContain('etl.yml');
      const { models } = await compileModels({
        project: join(dir, 'starter'),
        env: {},
        date: '2024-01-02',
      });
      expect(models.map((m) => m.name).sort()).toEqual(['daily_revenue', 'stg_events']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad date rejects with a UsageError naming the option, before the project is read', async () => {
    const bad: [string, () => Promise<unknown>][] = [
      ['from', () => backfillProject({ ...missing, from: '2024-13-01', to: '2024-01-02' })],
      ['to', () => planBackfillProject({ ...missing, from: '2024-01-01', to: 'tomorrow' })],
      ['date', () => buildProject({ ...missing, date: new Date('nope') })],
      ['date', () => planBuildProject({ ...missing, date: Number.NaN })],
      ['until', () => catchUpProject({ ...missing, until: '2024-02-30' })],
      ['from', () => verifyProject({ ...missing, from: '9999-12-31', to: '2024-01-01' })],
      ['date', () => compileModels({ ...missing, date: '15/01/2024' })],
      ['until', () => projectStatus({ ...missing, until: '2024-1-5' })],
    ];
    for (const [option, call] of bad) {
      const error = await rejects(call);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).flag).toBe(option);
      expect((error as Error).message).toMatch(new RegExp(`^(invalid )?${option} `));
    }
  });

  it('a range backwards rejects (it used to throw synchronously)', async () => {
    const error = await rejects(() =>
      backfillProject({ ...missing, from: '2024-01-05', to: '2024-01-01' }),
    );
    expect((error as Error).message).toBe('--from 2024-01-05 is after --to 2024-01-01');
  });
});

describe('parseDateInput', () => {
  const day = Date.UTC(2024, 0, 15);

  it('takes a day, an ISO instant, a Date or epoch ms, and gives the UTC day', () => {
    const forms: DateInput[] = [
      '2024-01-15',
      '2024-01-15T00:00',
      '2024-01-15T13:45:10Z',
      '2024-01-15T23:59:59.999Z',
      new Date('2024-01-15'),
      new Date(Date.UTC(2024, 0, 15, 18)),
      day,
      day + 3_600_000,
    ];
    for (const form of forms) expect(parseDateInput(form, 'date')).toBe(day);
    // With an offset: the UTC day the instant falls in.
    expect(parseDateInput('2024-01-15T23:30:00+05:00', 'date')).toBe(day);
    expect(parseDateInput('2024-01-16T01:00+05:00', 'date')).toBe(day);
    expect(parseDateInput('2024-01-15T01:00:00+05:00', 'date')).toBe(day - 86_400_000);
    expect(() => parseDateInput('2024-02-30T01:00:00+05:00', 'date')).toThrow(UsageError);
  });

  it('bad run options reject with a UsageError naming them, as the CLI flags do', async () => {
    const base = {
      project: '/nonexistent-etl-project',
      env: {},
      from: '2024-01-01',
      to: '2024-01-02',
    };
    const bad: [string, Record<string, unknown>][] = [
      ['threads', { threads: Number.NaN }],
      ['threads', { threads: 0 }],
      ['retries', { retries: -1 }],
      ['select', { select: 'fct_orders' }],
      ['signal', { signal: 'yes' }],
    ];
    for (const [option, extra] of bad) {
      const error = await rejects(() => backfillProject({ ...base, ...extra }));
      expect(error, option).toBeInstanceOf(UsageError);
      expect((error as UsageError).flag).toBe(option);
    }
  });

  it('says what it expected, naming the option', () => {
    expect(() => parseDateInput('2024-13-01', 'from')).toThrow(
      "invalid from '2024-13-01': expected YYYY-MM-DD, a Date or epoch milliseconds",
    );
    expect(() => parseDateInput(new Date(Number.NaN), 'to')).toThrow(
      'invalid to Invalid Date: expected YYYY-MM-DD, a Date or epoch milliseconds',
    );
    expect(() => parseDateInput(Number.POSITIVE_INFINITY, 'until')).toThrow(UsageError);
    expect(() => parseDateInput('2024-01-15T24:00', 'date')).toThrow(UsageError);
    expect(() => parseDateInput('0024-01-01', 'date')).toThrow(
      "date '0024-01-01' is outside the supported dates 1900-01-01..2999-12-31",
    );
  });
});

describe('on the example project', () => {
  let example: ReturnType<typeof copyExampleProject>;
  beforeAll(() => {
    example = copyExampleProject();
  });
  afterAll(() => example.cleanup());

  /** Plans read a warehouse file not created yet as empty: nothing is opened. */
  const planning = () => ({
    project: example.root,
    target: `duckdb:${join(example.root, 'not-built.duckdb')}`,
    env: {},
    clock: CLOCK,
  });

  it('plans the same for a date as a string, a Date and epoch ms', async () => {
    const froms: DateInput[] = ['2024-01-03', new Date('2024-01-03'), Date.UTC(2024, 0, 3)];
    const tos: DateInput[] = ['2024-01-09', new Date('2024-01-09T12:00Z'), Date.UTC(2024, 0, 9)];
    const backfills = await Promise.all(
      froms.map((from, i) => planBackfillProject({ ...planning(), from, to: tos[i]! })),
    );
    expect(backfills[0]!.steps.length).toBeGreaterThan(0);
    for (const plan of backfills.slice(1)) expect(plan).toEqual(backfills[0]);

    const builds = await Promise.all(
      froms.map((date) => planBuildProject({ ...planning(), date })),
    );
    expect(builds[0]!.steps.some((s) => s.id.endsWith('@2024-01-03'))).toBe(true);
    for (const plan of builds.slice(1)) expect(plan).toEqual(builds[0]);

    const catchUps = await Promise.all(
      tos.map((until) => planCatchUpProject({ ...planning(), until })),
    );
    for (const plan of catchUps.slice(1)) expect(plan).toEqual(catchUps[0]);

    const compiled = await Promise.all(froms.map((date) => compileModels({ ...planning(), date })));
    for (const c of compiled.slice(1)) expect(c.models).toEqual(compiled[0]!.models);
  });

  it('passes an aborted signal to build, seed, backfill and run', async () => {
    const aborted = AbortSignal.abort();
    const target = `duckdb:${join(example.root, 'aborted.duckdb')}`;
    const common = { ...planning(), target, signal: aborted };
    const results = [
      await buildProject({ ...common, seedsOnly: { force: true } }),
      await buildProject({ ...common, date: '2024-01-03' }),
      await backfillProject({ ...common, from: '2024-01-01', to: '2024-01-02' }),
      await catchUpProject({ ...common, until: '2024-01-02' }),
    ];
    for (const { summary } of results) {
      expect(summary.status).toBe('interrupted');
      expect(summary.partitions.built).toBe(0);
      // Nothing started, seeds included; what was kept from starting is not_run.
      expect(summary.models.every((m) => m.built === 0)).toBe(true);
      expect(summary.models.every((m) => m.upstream_failed === 0)).toBe(true);
      expect(summary.models.reduce((n, m) => n + m.not_run, 0)).toBeGreaterThan(0);
    }
  });

  it('an aborted backfill resolves interrupted, and the next call builds the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'etl-abort-'));
    try {
      const options = {
        ...planning(),
        target: `duckdb:${join(dir, 'warehouse.duckdb')}`,
        from: '2024-01-01',
        to: '2024-01-10',
        threads: 1,
      };
      const planned = await planBackfillProject(options);
      const total = planned.steps.length;
      const windows = planned.steps.reduce((n, s) => n + s.windows.length, 0);
      const controller = new AbortController();
      const finished: StepResult[] = [];
      const reporter: Reporter = {
        stepStarted: () => undefined,
        stepFinished: (result) => {
          finished.push(result);
          controller.abort();
        },
        info: () => undefined,
      };
      const first = await backfillProject({ ...options, reporter, signal: controller.signal });
      expect(first.summary.status).toBe('interrupted');
      // Steps not started are told as cancelled.
      const built = finished.filter((r) => r.status === 'success');
      expect(built.length).toBeGreaterThanOrEqual(1);
      expect(built.length).toBeLessThan(total);
      expect(finished.filter((r) => r.status === 'cancelled').length).toBeGreaterThan(0);
      const p = first.summary.partitions;
      expect(p.upstream_failed).toBe(0);
      expect(p.not_run).toBeGreaterThan(0);
      expect(p.built + p.failed + p.not_run).toBe(windows);

      const rest = await backfillProject({ ...options, threads: 4 });
      expect(rest.summary.status).toBe('success');
      expect(rest.plan.steps.length).toBeGreaterThan(0);
      expect(rest.plan.steps.length).toBeLessThan(total);
      expect(first.summary.partitions.built + rest.summary.partitions.built).toBe(windows);
      // Views and tables are rebuilt by every backfill; no window is left to build.
      const after = await planBackfillProject(options);
      expect(after.steps.filter((s) => s.windows.length > 0)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the README example', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'etl-readme-'));
    try {
      const summary = await readmeExample(example.root, `duckdb:${join(dir, 'wh.duckdb')}`);
      expect(summary.status).toBe('success');
      expect(summary.partitions.built).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * README.md's "Using it as a library" example, the same code here so that `npm run typecheck`
 * checks it (`project` and `target` are parameters; the README uses the defaults).
 */
async function readmeExample(project: string, target: string): Promise<RunSummary> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);

  const reporter: Reporter = {
    stepStarted: () => undefined,
    stepFinished: (result) => {
      if (result.status === 'failed') console.error(`${result.step.id}: ${result.error?.message}`);
    },
    info: () => undefined,
  };

  const { summary } = await backfillProject({
    project,
    target,
    from: '2024-01-01',
    to: '2024-01-07',
    threads: 4,
    reporter,
    signal: controller.signal,
  });
  process.off('SIGINT', stop);
  // summary.status: 'success' | 'failed' | 'interrupted'
  console.log(summary.status, summary.partitions.built, summary.duration_ms);
  return summary;
}
