import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { runCli, runCliAsync, spawnNode } from '../helpers/run-cli.js';
import { queryFile, snapshot } from '../helpers/duckdb.js';
import { backfillProjectFiles } from '../helpers/backfill-project.js';
import { readStatus } from '../helpers/status-json.js';

interface Summary {
  status: string;
  partitions: { built: number; skipped: number; failed: number; upstream_failed: number };
  models: {
    name: string;
    built: number;
    failed: number;
    upstream_failed: number;
    skipped: number;
  }[];
  failures: { model: string; window: string; error: string }[];
}

let project: TempProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});
const json = (stdout: string): Summary => JSON.parse(stdout) as Summary;

describe('backfill', () => {
  it('builds every window, then nothing; and the ledger matches the data', async () => {
    project = tempProject(backfillProjectFiles(20));
    const first = runCli(
      ['backfill', '--from', '2024-01-01', '--to', '2024-01-20', '--json'],
      project.root,
    );
    expect(first.code).toBe(0);
    const summary = json(first.stdout);
    // 20 daily + 20 daily_totals + 3 weekly (Jan 1, 8, 15; Jan 15-21 overlaps) + 480 hourly + 20 upsert days
    expect(summary.partitions).toEqual({
      built: 543,
      skipped: 0,
      failed: 0,
      upstream_failed: 0,
      not_run: 0,
    });
    const again = json(
      runCli(['backfill', '--from', '2024-01-01', '--to', '2024-01-20', '--json'], project.root)
        .stdout,
    );
    expect(again.partitions).toEqual({
      built: 0,
      skipped: 543,
      failed: 0,
      upstream_failed: 0,
      not_run: 0,
    });
    const mismatches = await queryFile(
      project.warehouse,
      `WITH l AS (SELECT * FROM etl_state.partitions WHERE model = 'daily' QUALIFY row_number() OVER (PARTITION BY window_start ORDER BY seq DESC) = 1)
       SELECT l.window_start FROM l LEFT JOIN (SELECT day, count(*) AS n FROM main.daily GROUP BY day) d ON d.day = l.window_start::date
       WHERE coalesce(d.n, 0) <> l.row_count`,
    );
    expect(mismatches).toEqual([]);
  });

  it('a failing window lets the others finish, exits 1, and a rerun builds only it and its downstream', () => {
    project = tempProject(backfillProjectFiles(14, { badAmountOn: '2024-01-10' }));
    const failed = runCli(
      ['backfill', '--from', '2024-01-01', '--to', '2024-01-14', '--json'],
      project.root,
    );
    expect(failed.code).toBe(1);
    const summary = json(failed.stdout);
    expect(summary.partitions).toMatchObject({ failed: 1, upstream_failed: 1 });
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]).toMatchObject({ model: 'daily', window: '2024-01-10' });
    expect(summary.failures[0]!.error).toMatch(/Could not convert string "oops"/);
    const model = (name: string) => summary.models.find((m) => m.name === name)!;
    expect(model('daily')).toMatchObject({ built: 13, failed: 1 });
    expect(model('daily_totals')).toMatchObject({ built: 13, upstream_failed: 1 });
    expect(model('totals')).toMatchObject({ built: 0, upstream_failed: 1 });
    expect(model('hourly').built).toBe(14 * 24);

    const status = readStatus(
      runCli(['status', '--json', '-s', 'daily', '--until', '2024-01-14'], project.root).stdout,
    ) as {
      models: { failed: string[]; done: string[] }[];
    };
    expect(status.models[0]!.failed).toEqual(['2024-01-10T00:00:00.000Z']);
    expect(status.models[0]!.done).toHaveLength(13);

    // Fixing the seed changes what every window that reads it read: they are all rebuilt. Of
    // their downstream, only the failed day changes: daily_totals rebuilds that day alone.
    project.write('seeds/events.csv', backfillProjectFiles(14)['seeds/events.csv']!);
    const fixed = runCli(
      ['backfill', '--from', '2024-01-01', '--to', '2024-01-14', '--json'],
      project.root,
    );
    expect(fixed.code).toBe(0);
    const rerun = json(fixed.stdout);
    expect(rerun.partitions).toMatchObject({ failed: 0, upstream_failed: 0, not_run: 0 });
    const built = (name: string) => rerun.models.find((m) => m.name === name)?.built ?? 0;
    expect(built('daily')).toBe(14);
    expect(built('hourly')).toBe(14 * 24);
    expect(built('weekly')).toBe(2);
    // The upsert's history is rewritten: rebuilt aside from its start, then swapped in.
    expect(built('users_latest')).toBe(14 + 1);
    expect(built('daily_totals')).toBe(1);
    expect(rerun.partitions.built).toBe(14 + 14 * 24 + 2 + 14 + 1);
    expect(rerun.partitions.skipped).toBe(13);
  });

  it('a comment rebuilds nothing; an edit rebuilds the model, and downstream only what changed', () => {
    project = tempProject(backfillProjectFiles(7));
    const range = ['--from', '2024-01-01', '--to', '2024-01-07'];
    expect(runCli(['backfill', ...range], project.root).code).toBe(0);
    const daily = backfillProjectFiles(7)['models/daily.sql']!;
    type Status = { models: { name: string; stale: string[]; done: string[] }[] };
    const status = (): Status =>
      readStatus(runCli(['status', '--json', '--until', '2024-01-07'], project!.root).stdout);
    const of = (s: Status, name: string) => s.models.find((m) => m.name === name)!;
    const backfill = () => json(runCli(['backfill', ...range, '--json'], project!.root).stdout);

    project.write('models/daily.sql', `-- events per day\n${daily}\n-- a comment`);
    expect(of(status(), 'daily').stale).toHaveLength(0);
    expect(backfill().partitions.built).toBe(0);

    // The same rows by other SQL: daily is rebuilt, daily_totals is checked and left alone.
    project.write('models/daily.sql', daily.replace('count(*) as events', 'count(id) as events'));
    expect(of(status(), 'daily').stale).toHaveLength(7);
    // What reads a stale window is not done either, until that window is rebuilt.
    expect(of(status(), 'daily_totals').stale).toHaveLength(7);
    expect(of(status(), 'weekly').stale).toHaveLength(0);
    const plan = JSON.parse(runCli(['plan', ...range, '--json'], project.root).stdout) as {
      models: {
        model: string;
        stale: number;
        check: number;
        done: number;
        reasons: { reason: string; count: number }[];
      }[];
    };
    expect(plan.models.find((m) => m.model === 'daily')).toMatchObject({
      stale: 7,
      reasons: [{ reason: 'sql changed', count: 7 }],
    });
    expect(plan.models.find((m) => m.model === 'daily_totals')).toMatchObject({
      stale: 0,
      check: 7,
    });
    expect(plan.models.find((m) => m.model === 'hourly')).toMatchObject({ stale: 0, done: 168 });
    const same = backfill();
    expect(same.models.find((m) => m.name === 'daily')?.built).toBe(7);
    expect(same.models.find((m) => m.name === 'daily_totals')).toMatchObject({
      built: 0,
      skipped: 7,
    });

    // Different rows: daily and every daily_totals window over it are rebuilt, in one backfill.
    project.write(
      'models/daily.sql',
      daily.replace('count(*) as events', 'count(*) * 10 as events'),
    );
    const changed = backfill();
    expect(changed.models.find((m) => m.name === 'daily')?.built).toBe(7);
    expect(changed.models.find((m) => m.name === 'daily_totals')?.built).toBe(7);
    expect(of(status(), 'daily_totals').stale).toHaveLength(0);
    expect(backfill().partitions.built).toBe(0);
  });

  it('run --until catches up from start and builds the same tables as a backfill', async () => {
    // Jan 14 is a Sunday: run builds closed windows only, so the last week is closed too.
    const files = backfillProjectFiles(14);
    project = tempProject(files);
    expect(
      runCli(['backfill', '--from', '2024-01-01', '--to', '2024-01-14'], project.root).code,
    ).toBe(0);
    const viaBackfill = await snapshot(project.warehouse);
    const other = tempProject(files);
    try {
      const run = runCli(['run', '--until', '2024-01-14', '--json'], other.root);
      expect(run.code).toBe(0);
      expect(await snapshot(other.warehouse)).toEqual(viaBackfill);
      const again = json(runCli(['run', '--until', '2024-01-14', '--json'], other.root).stdout);
      expect(again.partitions.built).toBe(0);
      expect(again.models.find((m) => m.name === 'totals')?.built).toBe(0); // unchanged table skipped
    } finally {
      other.cleanup();
    }
  });

  it('--batch-size merges windows into one transaction with one ledger row per window', async () => {
    project = tempProject(backfillProjectFiles(10));
    const result = json(
      runCli(
        [
          'backfill',
          '--from',
          '2024-01-01',
          '--to',
          '2024-01-10',
          '--batch-size',
          '4',
          '-s',
          '+daily',
          '--json',
        ],
        project.root,
      ).stdout,
    );
    expect(result.partitions.built).toBe(10);
    const ledger = await queryFile(
      project.warehouse,
      `SELECT count(*) AS windows, count(DISTINCT run_id) AS runs, sum(row_count) AS rows FROM etl_state.partitions WHERE model = 'daily'`,
    );
    expect(ledger).toEqual([{ windows: '10', runs: '1', rows: '10' }]);
  });

  it('two processes at once: one is refused with the holder named, or waits with --wait', async () => {
    project = tempProject(backfillProjectFiles(3));
    expect(runCli(['seed'], project.root).code).toBe(0);
    const holder = spawnNode(
      [fileURLToPath(new URL('../helpers/hold-duckdb.mjs', import.meta.url)), project.warehouse],
      project.root,
    );
    await once(holder.stdout!, 'data');
    const refused = runCli(
      ['backfill', '--from', '2024-01-01', '--to', '2024-01-03'],
      project.root,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`warehouse in use by another process (pid ${holder.pid})`);
    setTimeout(() => holder.kill(), 1500);
    const waited = await runCliAsync(
      ['backfill', '--from', '2024-01-01', '--to', '2024-01-03', '--wait', '30', '--json'],
      project.root,
    );
    expect(waited.code).toBe(0);
    expect(json(waited.stdout).partitions.built).toBeGreaterThan(0);
    if (holder.exitCode === null && holder.signalCode === null) await once(holder, 'exit');
  });

  it('bad ranges and numbers are refused', () => {
    project = tempProject(backfillProjectFiles(1));
    const cases: [string[], string][] = [
      [
        ['backfill', '--from', '2024-02-01', '--to', '2024-01-01'],
        '--from 2024-02-01 is after --to 2024-01-01',
      ],
      [['backfill', '--from', '2024-01-01'], "required option '--to <date>' not specified"],
      [
        ['backfill', '--from', '2024-01-01', '--to', '2024-01-02', '--threads', '0'],
        "invalid --threads '0'",
      ],
      [
        ['backfill', '--from', '2024-01-01', '--to', '2024-01-02', '--batch-size', 'x'],
        "invalid --batch-size 'x'",
      ],
      [['run', '--until', '2024-02-30'], "invalid --until '2024-02-30'"],
    ];
    for (const [args, message] of cases) {
      const result = runCli(args, project.root);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });
});
