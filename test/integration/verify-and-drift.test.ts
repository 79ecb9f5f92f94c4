import { afterEach, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { runCli } from '../helpers/run-cli.js';
import { queryFile, snapshot } from '../helpers/duckdb.js';
import { backfillProjectFiles } from '../helpers/backfill-project.js';
import { readStatus } from '../helpers/status-json.js';

let project: TempProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});
const RANGE = ['--from', '2024-01-01', '--to', '2024-01-10'];

function built(): TempProject {
  project = tempProject(backfillProjectFiles(10));
  expect(runCli(['backfill', ...RANGE, '--quiet'], project.root).code).toBe(0);
  return project;
}

describe('etl verify', () => {
  it('finds no mismatch on a clean warehouse', () => {
    const p = built();
    const result = runCli(['verify', ...RANGE, '--json'], p.root);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      matched: number;
      mismatched: number;
      skipped: { model: string }[];
    };
    // 10 daily + 10 daily_totals + 2 weekly + 240 hourly
    expect(summary).toMatchObject({ matched: 262, mismatched: 0 });
    // users_latest (an upsert) is checked for staleness, not rebuilt: one window a day.
    expect(summary).toMatchObject({ unverified: 10 });
    expect(summary.skipped.map((s) => s.model)).toEqual(['users_latest']);
  });

  it('reports a row changed by hand in the table and in what is built from it, and exits 1', async () => {
    const p = built();
    await queryFile(
      p.warehouse,
      `UPDATE main.daily SET amount = amount + 1 WHERE day = DATE '2024-01-04'`,
    );
    const result = runCli(['verify', ...RANGE], p.root);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('MISMATCH daily 2024-01-04: the table holds 1 rows');
    expect(result.stdout).toContain('rows changed outside etl');
    expect(result.stdout).toContain('MISMATCH daily_totals 2024-01-04: a rebuild gives 1 rows');
    expect(result.stdout).toContain(
      'fix: etl backfill --from 2024-01-04 --to 2024-01-04 -s daily_totals+ --force',
    );
    expect(result.stdout).toContain(
      'fix: etl backfill --from 2024-01-04 --to 2024-01-04 -s daily+ --force',
    );
    expect(result.stdout).toContain('Mismatches: 260 windows match, 2 mismatched');
  });

  it('reports a changed input (a seed edited after the build)', () => {
    const p = built();
    p.write(
      'seeds/events.csv',
      backfillProjectFiles(10)['seeds/events.csv']!.replace(',0.25\n', ',9.25\n'),
    );
    expect(runCli(['seed'], p.root).code).toBe(0);
    const result = runCli(['verify', ...RANGE, '-s', 'daily'], p.root);
    expect(result.code).toBe(1);
    // The ledger knows what each window read: they are stale, with the cause and the fix.
    expect(result.stdout).toContain('STALE daily 2024-01-01..2024-01-10: seed events changed');
    expect(result.stdout).toContain(
      'fix: etl backfill --from 2024-01-01 --to 2024-01-10 -s events daily+',
    );
    expect(result.stdout).toContain('10 stale (to rebuild, not compared)');
    expect(runCli(['backfill', ...RANGE, '--quiet'], p.root).code).toBe(0);
    expect(runCli(['verify', ...RANGE, '-s', 'daily'], p.root).code).toBe(0);
  });
});

describe('ledger integrity', () => {
  it('rows deleted by hand are reported at the start of a writing command and the window is rebuilt', async () => {
    const p = built();
    await queryFile(
      p.warehouse,
      `DELETE FROM main.hourly WHERE hour >= TIMESTAMP '2024-01-05 00:00:00' AND hour < TIMESTAMP '2024-01-06 00:00:00'`,
    );
    const result = runCli(['backfill', ...RANGE, '--json'], p.root);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /warning: the ledger says hourly 2024-01-05 \d\d:00 has 1 rows but its table has 0: it was changed outside etl/,
    );
    const summary = JSON.parse(result.stdout) as { partitions: { built: number } };
    expect(summary.partitions.built).toBeGreaterThan(0);
    const again = JSON.parse(runCli(['backfill', ...RANGE, '--json'], p.root).stdout) as {
      partitions: { built: number };
    };
    expect(again.partitions.built).toBe(0);
    expect(runCli(['verify', ...RANGE], p.root).code).toBe(0);
  });

  it('a table dropped by hand is reported, its windows count as missing, and all of them are rebuilt', async () => {
    const p = built();
    const before = await snapshot(p.warehouse);
    await queryFile(p.warehouse, 'DROP TABLE main.daily');
    const status = readStatus(
      runCli(['status', '--until', '2024-01-10', '--json'], p.root).stdout,
    ) as {
      models: { name: string; done: string[]; missing: string[] }[];
    };
    const daily = status.models.find((m) => m.name === 'daily')!;
    expect(daily.done).toEqual([]);
    expect(daily.missing).toHaveLength(10);
    const result = runCli(['backfill', ...RANGE, '--json'], p.root);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'note: the ledger records 10 windows of daily but its table is missing (changed outside etl)',
    );
    expect(await snapshot(p.warehouse)).toEqual(before);
    expect(runCli(['verify', ...RANGE], p.root).code).toBe(0);
  });

  it('a wrong clock decides nothing: rows stamped an hour (or a year) ahead are not newer', async () => {
    const p = built();
    // Every ledger row of daily stamped a year ahead, as a run under a wrong clock would.
    await queryFile(
      p.warehouse,
      `UPDATE etl_state.partitions SET finished_at = finished_at + INTERVAL 1 YEAR WHERE model = 'daily'`,
    );
    const again = JSON.parse(runCli(['backfill', ...RANGE, '--json'], p.root).stdout) as {
      partitions: { built: number };
    };
    expect(again.partitions.built).toBe(0);
    // A forced rebuild now writes rows with an earlier clock: they still count, by seq.
    p.write(
      'models/daily_totals.sql',
      `{{ config(materialized='incremental', time_column='day', start='2024-01-01') }}
select day, events * 3 as double_events, amount from {{ ref('daily') }}
where day >= {{ start }} and day < {{ end }}`,
    );
    expect(runCli(['backfill', ...RANGE, '--force', '-s', 'daily+', '--quiet'], p.root).code).toBe(
      0,
    );
    const status = readStatus(
      runCli(['status', '--until', '2024-01-10', '--json'], p.root).stdout,
    ) as {
      models: { name: string; stale: string[]; done: string[] }[];
    };
    for (const m of status.models) expect(m.stale, m.name).toEqual([]);
    expect(runCli(['verify', ...RANGE], p.root).code).toBe(0);
  });

  it('two columns swapped in a SELECT: rebuilt, and verify compares by column name', () => {
    const p = built();
    p.write(
      'models/daily.sql',
      `{{ config(materialized='incremental', time_column='day', start='2024-01-01') }}
select ts::date as day, sum(amount::decimal(10, 2)) as amount, count(*) as events
from {{ ref('stg_events') }}
where ts >= {{ start }} and ts < {{ end }}
group by all`,
    );
    expect(runCli(['backfill', ...RANGE, '--quiet'], p.root).code).toBe(0);
    const result = runCli(['verify', ...RANGE], p.root);
    expect(result.stdout).not.toContain('rows changed outside etl');
    expect(result.code, result.stdout).toBe(0);
  });
});
