import { expectShape } from '../helpers/json-schema.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { BIN, runCliAsync } from '../helpers/run-cli.js';
import { queryFile } from '../helpers/duckdb.js';
import {
  ProgressFileReporter,
  type ProgressFileContent,
} from '../../core/execute/progress-file.js';
import { runsWithLiveness } from '../../core/api/live-run.js';
import { parseTarget } from '../../core/engine/target.js';
import type { RunRecord } from '../../core/state/run-log.js';
import type { Step } from '../../core/plan/plan.js';
import type { StepResult } from '../../core/execute/run-summary.js';
import type { Reporter } from '../../core/execute/reporter.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Registers what to undo when the test ends (tests of this file may run at once). */
type Cleanup = (fn: () => void) => void;

/** A temp copy of the example project. */
function example(cleanup: Cleanup): string {
  const root = mkdtempSync(join(tmpdir(), 'etl-live-'));
  for (const part of ['etl.yml', 'models', 'seeds'])
    cpSync(join(REPO, part), join(root, part), { recursive: true });
  cleanup(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** `etl backfill` from 2024-01-01 to `to`, on one thread, in the background. */
function backfill(root: string, to: string, cleanup: Cleanup): ChildProcess {
  const child = spawn(
    process.execPath,
    [BIN, 'backfill', '--from', '2024-01-01', '--to', to, '--threads', '1'],
    { cwd: root, env: { ...process.env, NO_COLOR: '1', ETL_TARGET: '' } },
  );
  // Drained, so that the child never waits on a full pipe.
  child.stdout.resume();
  child.stderr.resume();
  cleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

function runFile(root: string): ProgressFileContent | undefined {
  const path = join(root, '.etl', 'run.json');
  return existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as ProgressFileContent)
    : undefined;
}

/** Poll until `check` gives something. */
async function waitFor<T>(check: () => T | undefined, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface LiveJson {
  schema_version: number;
  live: boolean;
  run: ProgressFileContent;
  models: { name: string; counts: Record<string, number> }[];
  plan?: null;
}

// The two runs go at once: the file takes the time of the longer (some 30 s on a quiet machine;
// a loaded one may take several times that, hence the timeouts).
describe.concurrent('etl status and plan while another process writes the warehouse', () => {
  it('show the run live from .etl/run.json, then the warehouse once it ends', async ({
    onTestFinished,
  }) => {
    const root = example(onTestFinished);
    // Half a year: the run must outlast the reads below on a busy machine.
    const child = backfill(root, '2024-06-30', onTestFinished);
    const exited = once(child, 'exit');
    const first = await waitFor(() => {
      const f = runFile(root);
      return f !== undefined && f.totals.done > 0 ? f : undefined;
    }, 'run.json with windows done');
    expect(first).toMatchObject({
      schema_version: 1,
      pid: child.pid,
      hostname: hostname(),
      command: 'backfill',
      status: 'running',
      target: { kind: 'duckdb', path: join(root, 'warehouse.duckdb') },
    });

    const json = await runCliAsync(['status', '--json'], root);
    expect(json.code, json.stderr).toBe(0);
    const live = JSON.parse(json.stdout) as LiveJson;
    expectShape('status', live);
    expect(live.schema_version).toBe(1);
    expect(live.live).toBe(true);
    expect(live.run.run_id).toBe(first.run_id);
    expect(live.run.pid).toBe(child.pid);
    expect(live.run.totals.done).toBeGreaterThan(0);
    expect(live.run.totals.done).toBeLessThanOrEqual(live.run.totals.windows);
    for (const m of live.run.models) expect(m.windows_done).toBeLessThanOrEqual(m.windows_total);
    // The state the run began from: nothing of January built yet.
    expect(live.models.map((m) => m.name)).toContain('fct_orders');
    expect(live.models.find((m) => m.name === 'fct_orders')!.counts.done).toBe(0);

    const text = await runCliAsync(['status'], root);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      `etl backfill is running on this warehouse (another process: pid ${child.pid})`,
    );
    expect(text.stdout).toContain(
      `run       ${first.run_id}: etl backfill --from 2024-01-01 --to 2024-06-30`,
    );
    expect(text.stdout).toMatch(/progress {2}[\d,]+ of [\d,]+ windows done/);
    expect(text.stdout).toMatch(/fct_orders +incremental +\d+ of 182 windows/);
    expect(text.stdout).toContain("State at the run's start");

    const plan = await runCliAsync(['plan', '--from', '2024-01-01', '--to', '2024-01-31'], root);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('etl backfill is running on this warehouse');
    expect(plan.stdout).toContain('note: the plan needs the warehouse, which this run holds');
    const planJson = await runCliAsync(['plan', '--date', '2024-01-31', '--json'], root);
    expect(planJson.code, planJson.stderr).toBe(0);
    expectShape('plan', JSON.parse(planJson.stdout));
    expect(JSON.parse(planJson.stdout)).toMatchObject({
      schema_version: 1,
      live: true,
      plan: null,
    });

    // The run goes on: a later read counts more windows done.
    await waitFor(() => {
      const f = runFile(root);
      return f !== undefined && f.totals.done > live.run.totals.done ? f : undefined;
    }, 'more windows done');
    const again = JSON.parse((await runCliAsync(['status', '--json'], root)).stdout) as LiveJson;
    expect(again.live).toBe(true);
    expect(again.run.totals.done).toBeGreaterThan(live.run.totals.done);
    expect(again.run.totals.done).toBeLessThanOrEqual(again.run.totals.windows);

    const [code] = (await exited) as [number];
    expect(code).toBe(0);
    const last = runFile(root)!;
    expect(last.status).toBe('success');
    expect(last.finished_at).not.toBeNull();
    expect(last.running).toEqual([]);
    expect(last.totals.done).toBe(last.totals.windows);
    const after = await runCliAsync(['status', '--json', '--until', '2024-06-30'], root);
    expect(after.code, after.stderr).toBe(0);
    const read = JSON.parse(after.stdout) as {
      live: boolean;
      models: { name: string; counts: { done: number } }[];
      runs: { run_id: string; status: string; pid: number; host: string }[];
    };
    expect(read.live).toBe(false);
    expect(read.models.find((m) => m.name === 'fct_orders')!.counts.done).toBe(182);
    expect(read.runs[0]).toMatchObject({
      run_id: first.run_id,
      status: 'success',
      pid: child.pid,
      host: hostname(),
    });
    const textAfter = await runCliAsync(['status', '--until', '2024-01-31'], root);
    expect(textAfter.stdout).toMatch(new RegExp(`last run: etl backfill ${first.run_id} success`));
  }, 150_000);

  it('a run whose process was killed shows as abandoned; a rerun completes it', async ({
    onTestFinished,
  }) => {
    const root = example(onTestFinished);
    // A month on one thread: long enough to be killed mid-way (a week could end first).
    const child = backfill(root, '2024-01-31', onTestFinished);
    const exited = once(child, 'exit');
    const running = await waitFor(() => {
      const f = runFile(root);
      return f !== undefined && f.totals.done > 0 ? f : undefined;
    }, 'run.json with windows done');
    child.kill('SIGKILL');
    await exited;
    // The file still says running, but its process is gone: status reads the warehouse.
    expect(runFile(root)!.status).toBe('running');
    const status = await runCliAsync(['status'], root);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`last run: etl backfill ${running.run_id} abandoned: started`);
    expect(status.stdout).toContain(`its process (pid ${child.pid} on ${hostname()}) is gone`);
    const json = JSON.parse((await runCliAsync(['status', '--json'], root)).stdout) as {
      runs: { run_id: string; status: string; recorded_status?: string }[];
    };
    expect(json.runs[0]).toMatchObject({
      run_id: running.run_id,
      status: 'abandoned',
      recorded_status: 'running',
    });
    // Status writes nothing: the ledger still says running.
    const warehouse = join(root, 'warehouse.duckdb');
    expect(
      await queryFile(
        warehouse,
        `SELECT status FROM etl_state.runs WHERE run_id = '${running.run_id}'`,
      ),
    ).toEqual([{ status: 'running' }]);

    // A ledger from before runs recorded their process: the lock says the writer is gone.
    await queryFile(
      warehouse,
      'ALTER TABLE etl_state.runs DROP COLUMN pid; ALTER TABLE etl_state.runs DROP COLUMN host',
    );
    const old = await runCliAsync(['status'], root);
    expect(old.code, old.stderr).toBe(0);
    expect(old.stdout).toContain(`last run: etl backfill ${running.run_id} abandoned`);

    // A rerun upgrades the ledger again, resumes, and is the last run.
    const rerun = await runCliAsync(
      ['backfill', '--from', '2024-01-01', '--to', '2024-01-07', '--threads', '2'],
      root,
    );
    expect(rerun.code, rerun.stderr).toBe(0);
    const done = await runCliAsync(['status', '--until', '2024-01-07'], root);
    expect(done.stdout).toMatch(/last run: etl backfill \S+ success/);
    expect(done.stdout).not.toContain('abandoned');

    // Held by a process that is not the run of .etl/run.json (long gone): the in-use error stands.
    const holder = spawn(
      process.execPath,
      [fileURLToPath(new URL('../helpers/hold-duckdb.mjs', import.meta.url)), warehouse],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    onTestFinished(() => {
      if (holder.exitCode === null) holder.kill('SIGKILL');
    });
    await once(holder.stdout, 'data');
    for (const args of [['status'], ['plan']]) {
      const refused = await runCliAsync(args, root);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`warehouse in use by another process (pid ${holder.pid})`);
    }
  }, 150_000);
});

describe('runs left running', () => {
  const run = (r: Partial<RunRecord>): RunRecord => ({
    runId: 'r',
    command: 'backfill',
    status: 'running',
    startedAt: 0,
    finishedAt: undefined,
    pid: undefined,
    host: undefined,
    ...r,
  });
  const dead = 2 ** 22 + 12_345; // above the kernel's pid_max default range
  const pg = parseTarget('postgres://u:p@db.example:5432/w', '/tmp');
  const duck = parseTarget('duckdb:w.duckdb', '/tmp');
  const shown = (runs: RunRecord[], target = pg, openedHere = true) =>
    runsWithLiveness(runs, { target, openedHere }).map((r) => r.shown);

  it('on PostgreSQL are abandoned only when their process on this host is gone', () => {
    expect(
      shown([
        run({ pid: dead, host: hostname() }),
        run({ pid: dead, host: 'another-host' }),
        run({ pid: process.pid, host: hostname() }),
        run({}),
        run({ status: 'success', pid: dead, host: hostname() }),
      ]),
    ).toEqual(['abandoned', 'running', 'running', 'running', 'success']);
  });

  it('on a DuckDB file this process opened are abandoned unless they are its own', () => {
    expect(
      shown(
        [run({}), run({ pid: 1, host: 'x' }), run({ pid: process.pid, host: hostname() })],
        duck,
      ),
    ).toEqual(['abandoned', 'abandoned', 'running']);
    // Through an engine given by the caller, the writer may be in this process: pid and host decide.
    expect(shown([run({}), run({ pid: dead, host: hostname() })], duck, false)).toEqual([
      'running',
      'abandoned',
    ]);
  });
});

describe('the progress file', () => {
  const step = (id: string, windows = 1): Step => ({
    id,
    model: id.split('@')[0]!,
    kind: 'incremental',
    windows: Array.from({ length: windows }, (_, i) => ({ start: i, end: i + 1 })),
    renderWindow: { start: 0, end: windows },
    isIncremental: true,
    refresh: undefined,
    dependsOn: [],
    reason: 'missing',
    conditional: false,
  });
  const result = (s: Step, status: StepResult['status'] = 'success'): StepResult => ({
    step: s,
    status,
    rows: 10,
    windows: [],
    error: undefined,
    durationMs: 1,
    attempts: 1,
  });

  it('is written at the plan, at most once per interval, atomically, and at the end', ({
    onTestFinished,
  }) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const dir = mkdtempSync(join(tmpdir(), 'etl-progress-'));
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
      const path = join(dir, '.etl', 'run.json');
      let now = 1_000_000;
      const events: string[] = [];
      const inner: Reporter = {
        stepStarted: (s) => events.push(`start ${s.id}`),
        stepFinished: (r) => events.push(`end ${r.step.id}`),
        info: (m) => events.push(m),
      };
      const reporter = new ProgressFileReporter(inner, {
        path,
        run: {
          runId: 'run-1',
          command: 'backfill',
          args: {},
          target: { name: null, kind: 'duckdb', url: 'duckdb:w.duckdb', path: '/w.duckdb' },
          materialized: () => 'incremental',
        },
        now: () => now,
      });
      const a = step('a@1', 2);
      const b = step('b@1');
      reporter.planned({
        command: 'backfill',
        steps: [a, b],
        skipped: [],
        windows: [],
        accept: [],
      });
      const read = () => JSON.parse(readFileSync(path, 'utf8')) as ProgressFileContent;
      expect(read()).toMatchObject({ status: 'running', totals: { windows: 3, done: 0 } });
      now += 100;
      reporter.stepStarted(a);
      reporter.stepFinished(result(a));
      reporter.stepStarted(b);
      // Within the interval: not written yet, one write pending.
      expect(read().totals.done).toBe(0);
      expect(vi.getTimerCount()).toBe(1);
      now += 900;
      vi.advanceTimersByTime(900);
      expect(read()).toMatchObject({
        totals: { done: 2, rows: 10 },
        running: [{ id: 'b@1', model: 'b' }],
      });
      expect(read().models.find((m) => m.name === 'b')!.running).toEqual(['1']);
      expect(vi.getTimerCount()).toBe(0);
      now += 100;
      reporter.stepFinished(result(b, 'failed'));
      reporter.close('failed');
      // Closed: the outcome is written at once and no timer is left to hold the process.
      expect(read()).toMatchObject({
        status: 'failed',
        totals: { done: 2, failed: 1 },
        running: [],
      });
      expect(vi.getTimerCount()).toBe(0);
      expect(events).toEqual(['start a@1', 'end a@1', 'start b@1', 'end b@1']);
      // No temp file left beside it.
      expect(existsSync(`${path}.${process.pid}.tmp`)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('that cannot be written is told once and never fails the run', ({ onTestFinished }) => {
    const dir = mkdtempSync(join(tmpdir(), 'etl-progress-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    // `.etl` is a file: the folder cannot be made.
    writeFileSync(join(dir, '.etl'), '');
    const notices: string[] = [];
    const reporter = new ProgressFileReporter(
      { stepStarted: () => undefined, stepFinished: () => undefined, info: () => undefined },
      {
        path: join(dir, '.etl', 'run.json'),
        run: {
          runId: 'run-1',
          command: 'build',
          args: {},
          target: { name: null, kind: 'duckdb', url: 'duckdb:w.duckdb', path: '/w.duckdb' },
          materialized: () => 'table',
        },
        onNotice: (m) => notices.push(m),
        intervalMs: 0,
      },
    );
    const s = step('a@1');
    reporter.planned({ command: 'build', steps: [s], skipped: [], windows: [], accept: [] });
    reporter.stepStarted(s);
    reporter.stepFinished(result(s));
    reporter.close('success');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/could not write the progress file .*run\.json \(the run goes on/);
  });
});
