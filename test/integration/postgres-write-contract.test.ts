import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { runCli } from '../helpers/run-cli.js';
import { freshDatabase, snapshotPostgres } from '../helpers/postgres.js';

/**
 * The write contract on a real PostgreSQL server (the DuckDB suite is write-contract.test.ts):
 * a failing window keeps its rows and gets no ledger row, a failure after the delete rolls the
 * window back, rows outside the window are refused, a changed column list asks for
 * --full-refresh which rebuilds history, upserts replace by key, a failing data test writes
 * nothing, and building again changes nothing.
 */
const EVENTS = [
  'id,ts,user_id,amount',
  '1,2024-01-14 09:00:00,1,10.0',
  '2,2024-01-15 10:00:00,1,20.0',
  '3,2024-01-15 11:00:00,2,5.5',
  '4,2024-01-16 12:00:00,2,7.25',
].join('\n');

// Division by a zero the planner cannot see: an error on PostgreSQL, for one window only.
const DAILY = `{{ config(materialized='incremental', time_column='day', grain='day', start='2024-01-01') }}
select
  ts::date as day,
  count(*) as events,
  case when {{ var('nulls', false) }} then null else sum(amount) end as amount,
  case when {{ var('boom', false) }} and max(ts::date) = DATE '2024-01-15' then 1 / (count(*) - count(*)) end as boom
from {{ ref('events') }}
where ts >= {{ start }} and ts < {{ end }}
group by 1
`;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

interface Warehouse {
  readonly project: TempProject;
  readonly url: string;
  readonly etl: (args: string[]) => ReturnType<typeof runCli>;
  readonly query: (sql: string) => Promise<Record<string, unknown>[]>;
}

async function make(extra: Record<string, string> = {}): Promise<Warehouse> {
  const project = tempProject({ 'seeds/events.csv': EVENTS, 'models/daily.sql': DAILY, ...extra });
  const db = await freshDatabase();
  cleanup.push(async () => {
    await db.drop();
    project.cleanup();
  });
  const target = `${db.url}?schema=main`;
  return {
    project,
    url: db.url,
    etl: (args) => runCli([...args, '--target', target], project.root),
    query: async (sql) => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        return (await client.query<Record<string, unknown>>(sql)).rows;
      } finally {
        await client.end();
      }
    },
  };
}

const windowRows = (w: Warehouse, day: string) =>
  w.query(
    `SELECT day::text AS day, events::text AS events, amount::text AS amount FROM main.daily WHERE day = DATE '${day}'`,
  );
const ledgerCount = async (w: Warehouse, model: string): Promise<number> =>
  Number(
    (await w.query(`SELECT count(*) AS n FROM etl_state.partitions WHERE model = '${model}'`))[0]!
      .n,
  );

describe('the write contract on PostgreSQL', () => {
  it('a window whose SQL fails keeps its previous rows and gets no ledger row', async () => {
    const w = await make();
    expect(w.etl(['build', '--date', '2024-01-15']).code).toBe(0);
    const before = await windowRows(w, '2024-01-15');
    expect(before).toEqual([{ day: '2024-01-15', events: '2', amount: '25.5' }]);
    const failed = w.etl(['build', '--date', '2024-01-15', '--vars', '{"boom": true}']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('FAIL daily  2024-01-15');
    expect(failed.stderr).toContain('division by zero');
    expect(await windowRows(w, '2024-01-15')).toEqual(before);
    expect(await ledgerCount(w, 'daily')).toBe(1);
    const runs = await w.query(`SELECT status FROM etl_state.runs ORDER BY started_at`);
    expect(runs.map((r) => r.status)).toEqual(['success', 'failed']);
  });

  it('a failure after the delete (a constraint on insert) rolls the window back', async () => {
    const w = await make();
    expect(w.etl(['build', '--date', '2024-01-15']).code).toBe(0);
    const before = await snapshotPostgres(w.url);
    await w.query(`ALTER TABLE main.daily ALTER COLUMN amount SET NOT NULL`);
    const failed = w.etl(['build', '--date', '2024-01-15', '--vars', '{"nulls": true}']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/not-null constraint/i);
    expect(await snapshotPostgres(w.url)).toEqual(before);
  });

  it('rows outside the window are refused, naming model, window and count; nothing is written', async () => {
    const w = await make({
      'models/unfiltered.sql': `{{ config(materialized='incremental', time_column='day') }}
select ts::date as day, amount from {{ ref('events') }}`,
    });
    const result = w.etl(['build', '--date', '2024-01-15', '-s', '+unfiltered']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "model 'unfiltered' window 2024-01-15: the query returned 2 rows with day outside [2024-01-15 00:00:00, 2024-01-16 00:00:00); nothing was written",
    );
    expect(
      await w.query(
        `SELECT table_name FROM information_schema.tables WHERE table_name = 'unfiltered'`,
      ),
    ).toEqual([]);
    expect(await ledgerCount(w, 'unfiltered')).toBe(0);
  });

  it('a changed column list asks for --full-refresh, which rebuilds all history in one swap', async () => {
    const w = await make({
      'models/daily_view.sql': `select day, events from {{ ref('daily') }}`,
    });
    expect(w.etl(['build', '--date', '2024-01-15']).code).toBe(0);
    w.project.write(
      'models/daily.sql',
      DAILY.replace('count(*) as events,', 'count(*) as events, count(DISTINCT user_id) as users,'),
    );
    const refused = w.etl(['build', '--date', '2024-01-16']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('added users');
    expect(refused.stderr).toContain('--full-refresh');
    const refreshed = w.etl(['build', '--date', '2024-01-16', '--full-refresh']);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(
      await w.query(`SELECT day::text AS day, users::int AS users FROM main.daily ORDER BY day`),
    ).toEqual([
      { day: '2024-01-14', users: 1 },
      { day: '2024-01-15', users: 2 },
      { day: '2024-01-16', users: 1 },
    ]);
    // The view that reads the table survived its replacement.
    expect(await w.query(`SELECT count(*)::int AS n FROM main.daily_view`)).toEqual([{ n: 3 }]);
  });

  it('an upsert model replaces rows by key without duplicates', async () => {
    const w = await make({
      'models/users.sql': `{{ config(materialized='incremental', unique_key='user_id') }}
select user_id, sum(amount) as total, DATE '{{ ds }}' as as_of from {{ ref('events') }} where ts < {{ end }} group by user_id`,
    });
    expect(w.etl(['build', '--date', '2024-01-15', '-s', '+users']).code).toBe(0);
    expect(w.etl(['build', '--date', '2024-01-16', '-s', 'users']).code).toBe(0);
    expect(
      await w.query(
        `SELECT user_id::int AS user_id, total::text AS total, as_of::text AS as_of FROM main.users ORDER BY user_id`,
      ),
    ).toEqual([
      { user_id: 1, total: '30', as_of: '2024-01-16' },
      { user_id: 2, total: '12.75', as_of: '2024-01-16' },
    ]);
  });

  it('a failing data test rolls its window back; building again changes nothing', async () => {
    const w = await make({
      'models/schema.yml': `models:
  - name: daily
    columns:
      - name: amount
        tests:
          - expression: "amount < 20"
`,
    });
    const range = ['--from', '2024-01-14', '--to', '2024-01-16'];
    expect(w.etl(['backfill', ...range, '--no-test']).code).toBe(0);
    const before = await snapshotPostgres(w.url);
    // 2024-01-15 sums to 25.5: its rebuild fails the test and is rolled back.
    const failed = w.etl(['backfill', ...range, '--force']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('data test');
    const after = await snapshotPostgres(w.url);
    expect(after['main.daily']).toEqual(before['main.daily']);
    const again = w.etl(['backfill', ...range, '--json']);
    expect((JSON.parse(again.stdout) as { partitions: { built: number } }).partitions.built).toBe(
      0,
    );
    expect(await snapshotPostgres(w.url)).toEqual(after);
  });

  it('merges windows whose rows merged are the rows alone; checks each merge against its ledger rows', async () => {
    // As many rows merged as alone, with other values (the batch's last event, not the day's):
    // only the content hash the ledger recorded tells them apart.
    const w = await make({
      'models/bounded.sql': `{{ config(materialized='incremental', time_column='ts', start='2024-01-14') }}
select ts, (select max(ts) from {{ ref('events') }} where ts >= {{ start }} and ts < {{ end }}) as last_ts
from {{ ref('events') }}
where ts >= {{ start }} and ts < {{ end }}`,
    });
    const result = w.etl(['backfill', '--from', '2024-01-14', '--to', '2024-01-16']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'bounded: its windows merged into one transaction give other rows than written one by one',
    );
    expect(result.stderr).not.toContain('daily: its windows merged');
    // Written one window a transaction after the check failed: each row has its day's last event.
    const rows = await w.query(
      `SELECT ts::text AS ts, last_ts::text AS last_ts FROM main.bounded ORDER BY ts`,
    );
    expect(rows).toEqual([
      { ts: '2024-01-14 09:00:00', last_ts: '2024-01-14 09:00:00' },
      { ts: '2024-01-15 10:00:00', last_ts: '2024-01-15 11:00:00' },
      { ts: '2024-01-15 11:00:00', last_ts: '2024-01-15 11:00:00' },
      { ts: '2024-01-16 12:00:00', last_ts: '2024-01-16 12:00:00' },
    ]);
    expect(await ledgerCount(w, 'bounded')).toBe(3);
    expect(await ledgerCount(w, 'daily')).toBe(3);
  });
});
