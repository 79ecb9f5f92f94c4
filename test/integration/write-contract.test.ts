import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { BIN, runCli, spawnNode } from '../helpers/run-cli.js';
import { queryFile, snapshot } from '../helpers/duckdb.js';
import { fileURLToPath } from 'node:url';

const EVENTS = [
  'id,ts,user_id,amount',
  '1,2024-01-14 09:00:00,1,10.0',
  '2,2024-01-15 10:00:00,1,20.0',
  '3,2024-01-15 11:00:00,2,5.5',
  '4,2024-01-16 12:00:00,2,7.25',
].join('\n');

const DAILY = `{{ config(materialized='incremental', time_column='day', grain='day', start='2024-01-01') }}
select
  ts::date as day,
  count(*) as events,
  case when {{ var('nulls', false) }} then null else sum(amount) end as amount,
  max(case when {{ var('boom', false) }} and ts::date = DATE '2024-01-15' then error('boom on purpose') end) as boom
from {{ ref('events') }}
where ts >= {{ start }} and ts < {{ end }}
group by all
`;

let project: TempProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

const make = (extra: Record<string, string> = {}): TempProject => {
  project = tempProject({ 'seeds/events.csv': EVENTS, 'models/daily.sql': DAILY, ...extra });
  return project;
};
const windowRows = (p: TempProject, day: string) =>
  queryFile(
    p.warehouse,
    `SELECT day::VARCHAR AS day, events, amount FROM main.daily WHERE day = DATE '${day}'`,
  );
const ledgerCount = async (p: TempProject, model: string): Promise<number> =>
  Number(
    (
      await queryFile(
        p.warehouse,
        `SELECT count(*) AS n FROM etl_state.partitions WHERE model = '${model}'`,
      )
    )[0]!.n,
  );

describe('the write contract', () => {
  it('a window whose SQL fails keeps its previous rows and gets no ledger row', async () => {
    const p = make();
    expect(runCli(['build', '--date', '2024-01-15'], p.root).code).toBe(0);
    const before = await windowRows(p, '2024-01-15');
    expect(before).toEqual([{ day: '2024-01-15', events: '2', amount: 25.5 }]);
    const failed = runCli(['build', '--date', '2024-01-15', '--vars', '{"boom": true}'], p.root);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('FAIL daily  2024-01-15');
    expect(failed.stderr).toContain('boom on purpose');
    expect(await windowRows(p, '2024-01-15')).toEqual(before);
    expect(await ledgerCount(p, 'daily')).toBe(1);
    const runs = await queryFile(
      p.warehouse,
      `SELECT status, failures FROM etl_state.runs ORDER BY started_at`,
    );
    expect(runs.map((r) => r.status)).toEqual(['success', 'failed']);
    expect(String(runs[1]!.failures)).toContain('boom on purpose');
  });

  it('a failure after the delete (a constraint on insert) rolls the window back', async () => {
    const p = make();
    expect(runCli(['build', '--date', '2024-01-15'], p.root).code).toBe(0);
    const before = await snapshot(p.warehouse);
    await queryFile(p.warehouse, `ALTER TABLE main.daily ALTER COLUMN amount SET NOT NULL`);
    const failed = runCli(['build', '--date', '2024-01-15', '--vars', '{"nulls": true}'], p.root);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/NOT NULL constraint/i);
    expect(await snapshot(p.warehouse)).toEqual(before);
  });

  it('rows outside the window are refused, naming model, window and count; nothing is written', async () => {
    const p = make({
      'models/unfiltered.sql': `{{ config(materialized='incremental', time_column='day') }}
select ts::date as day, amount from {{ ref('events') }}`,
    });
    const result = runCli(['build', '--date', '2024-01-15', '-s', '+unfiltered'], p.root);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "model 'unfiltered' window 2024-01-15: the query returned 2 rows with day outside [2024-01-15 00:00:00, 2024-01-16 00:00:00); nothing was written",
    );
    const tables = await queryFile(
      p.warehouse,
      `SELECT table_name FROM information_schema.tables WHERE table_name = 'unfiltered'`,
    );
    expect(tables).toEqual([]);
    expect(await ledgerCount(p, 'unfiltered')).toBe(0);
  });

  it('a changed column list is an error that suggests --full-refresh, which then rebuilds all history', async () => {
    const p = make();
    expect(runCli(['build', '--date', '2024-01-15'], p.root).code).toBe(0);
    p.write(
      'models/daily.sql',
      DAILY.replace('count(*) as events,', 'count(*) as events, count(DISTINCT user_id) as users,'),
    );
    const refused = runCli(['build', '--date', '2024-01-16'], p.root);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('added users');
    expect(refused.stderr).toContain('--full-refresh');
    expect(await queryFile(p.warehouse, `SELECT count(*) AS n FROM main.daily`)).toEqual([
      { n: '1' },
    ]);
    const refreshed = runCli(['build', '--date', '2024-01-16', '--full-refresh'], p.root);
    expect(refreshed.code).toBe(0);
    // Every window from the model's start through the date, with the new column.
    expect(
      await queryFile(
        p.warehouse,
        `SELECT day::VARCHAR AS day, users FROM main.daily ORDER BY day`,
      ),
    ).toEqual([
      { day: '2024-01-14', users: '1' },
      { day: '2024-01-15', users: '2' },
      { day: '2024-01-16', users: '1' },
    ]);
    expect(
      await queryFile(
        p.warehouse,
        `SELECT count(DISTINCT window_start) AS n FROM etl_state.partitions WHERE model = 'daily'`,
      ),
    ).toEqual([{ n: '16' }]);
    expect(await ledgerCount(p, 'daily')).toBe(17);
  });

  it('a broken template exits 2 naming file:line and leaves the warehouse untouched', async () => {
    const p = make();
    expect(runCli(['build', '--date', '2024-01-15'], p.root).code).toBe(0);
    const before = await snapshot(p.warehouse);
    p.write(
      'models/daily.sql',
      DAILY.replace('count(*) as events,', 'count(*) as events, {{ undefined_thing }},'),
    );
    const broken = runCli(['build', '--date', '2024-01-16'], p.root);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain("error[E_TEMPLATE]: 'undefined_thing' is undefined");
    expect(broken.stderr).toContain('--> models/daily.sql:4:');
    expect(await snapshot(p.warehouse)).toEqual(before);
    const json = runCli(['build', '--date', '2024-01-16', '--json'], p.root);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'error',
      error: { code: 'E_TEMPLATE', file: 'models/daily.sql', line: 4 },
    });
  });

  it('an upsert model replaces rows by key without duplicates', async () => {
    const p = make({
      'models/users.sql': `{{ config(materialized='incremental', unique_key='user_id') }}
select user_id, sum(amount) as total, DATE '{{ ds }}' as as_of from {{ ref('events') }} where ts < {{ end }} group by all`,
    });
    expect(runCli(['build', '--date', '2024-01-15', '-s', '+users'], p.root).code).toBe(0);
    expect(runCli(['build', '--date', '2024-01-16', '-s', 'users'], p.root).code).toBe(0);
    const rows = await queryFile(
      p.warehouse,
      `SELECT user_id, total, as_of::VARCHAR AS as_of FROM main.users ORDER BY user_id`,
    );
    expect(rows).toEqual([
      { user_id: '1', total: 30, as_of: '2024-01-16' },
      { user_id: '2', total: 12.75, as_of: '2024-01-16' },
    ]);
  });

  it('seeds load when missing or changed, and are skipped when unchanged', () => {
    const p = make();
    const first = runCli(['seed', '--json'], p.root);
    expect(JSON.parse(first.stdout)).toMatchObject({
      status: 'success',
      models: [{ name: 'events', built: 1, rows: 4 }],
    });
    const second = runCli(['seed', '--json'], p.root);
    expect(JSON.parse(second.stdout)).toMatchObject({
      models: [{ name: 'events', built: 0, skipped: 1 }],
    });
    p.write('seeds/events.csv', `${EVENTS}\n5,2024-01-16 13:00:00,3,1.0`);
    const third = runCli(['seed', '--json'], p.root);
    expect(JSON.parse(third.stdout)).toMatchObject({
      models: [{ name: 'events', built: 1, rows: 5 }],
    });
  });

  it('a malformed seed is an error naming the file, and the old table stays', async () => {
    const p = make();
    expect(runCli(['seed'], p.root).code).toBe(0);
    p.write('seeds/events.csv', `${EVENTS}\n5,2024-01-16 13:00:00,3,1.0,extra,columns`);
    const result = runCli(['seed'], p.root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("cannot load seed 'events'");
    expect(result.stderr).toContain('--> seeds/events.csv');
    expect(await queryFile(p.warehouse, `SELECT count(*) AS n FROM main.events`)).toEqual([
      { n: '4' },
    ]);
  });

  it('a second process on the same warehouse gets a clear in-use error', async () => {
    const p = make();
    expect(runCli(['seed'], p.root).code).toBe(0);
    const holder = spawnNode(
      [fileURLToPath(new URL('../helpers/hold-duckdb.mjs', import.meta.url)), p.warehouse],
      p.root,
    );
    const [ready] = (await once(holder.stdout!, 'data')) as [Buffer];
    expect(ready.toString()).toContain('holding');
    try {
      const result = runCli(['build', '--date', '2024-01-15'], p.root);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`warehouse in use by another process (pid ${holder.pid})`);
    } finally {
      holder.kill();
      await once(holder, 'exit');
    }
    expect(BIN).toContain('dist');
  });
});

describe('bad flags', () => {
  it.each<[string[], string]>([
    [['build', '--date', '2024-13-01'], "invalid --date '2024-13-01'"],
    [['build', '--dat', '2024-01-01'], "unknown option '--dat'"],
    [['biuld'], "unknown command 'biuld'"],
    [['build', '--vars', '{nope'], '--vars must be a YAML mapping'],
    [['build', '-s', 'dayly'], "unknown model or seed 'dayly' in --select (did you mean 'daily'?)"],
    [['build', '--target', 'mysql://x'], "bad --target 'mysql://x'"],
    [['dag', '--format', 'png'], "argument 'png' is invalid"],
  ])('%j exits 2 with %s', (args, message) => {
    const p = make();
    const result = runCli(args, p.root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('an unknown command suggests the right one', () => {
    const p = make();
    expect(runCli(['biuld'], p.root).stderr).toContain('help: did you mean build?');
  });
});

describe('selection and upstream', () => {
  it('a selected model whose unselected upstream was never built is refused before anything runs', () => {
    const p = make();
    const result = runCli(['build', '--date', '2024-01-15', '-s', 'daily'], p.root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "model 'daily' reads 'events', which is not in the warehouse and not selected",
    );
    expect(result.stderr).toContain('-s +daily');
  });
});
