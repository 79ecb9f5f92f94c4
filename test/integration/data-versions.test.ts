import { afterEach, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { runCli } from '../helpers/run-cli.js';
import { queryFile, snapshot } from '../helpers/duckdb.js';
import { buildProject, catchUpProject, planCatchUpProject } from '../../core/api/build.js';
import { projectStatus, statusWindows } from '../../core/api/status.js';
import { readStatus } from '../helpers/status-json.js';
import {
  SHOP_ORDERS_SQL,
  shopDate,
  shopOrdersCsv,
  shopProjectFiles,
} from '../helpers/shop-project.js';

/**
 * Data versions on the shop a dbt user would port: a daily `orders`, monthly and weekly models
 * over it, a model that reads only the payments seed, a table. Every command runs through the
 * CLI on a real DuckDB file.
 */
const projects: TempProject[] = [];
afterEach(() => {
  for (const p of projects.splice(0)) p.cleanup();
});
const make = (files: Record<string, string> = shopProjectFiles()): TempProject => {
  const p = tempProject(files);
  projects.push(p);
  return p;
};
const ok = (p: TempProject, ...args: string[]) => {
  const r = runCli(args, p.root);
  expect(r.code, `etl ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
};
const json = <T>(p: TempProject, ...args: string[]): T =>
  JSON.parse(ok(p, ...args, '--json').stdout) as T;

interface Status {
  models: {
    name: string;
    done: string[];
    partial: string[];
    stale: string[];
    missing: string[];
    reasons: Record<string, string>;
    forward_only: string[];
  }[];
}
interface Summary {
  partitions: { built: number; skipped: number; failed: number };
  models: { name: string; built: number; skipped: number }[];
}
interface PlanJson {
  models: {
    model: string;
    total: number;
    missing: number;
    stale: number;
    check: number;
    done: number;
    forced: number;
    refresh: boolean;
    reasons: { reason: string; count: number; windows: string }[];
  }[];
  accept: { model: string; windows: number }[];
}
const built = (s: Summary, model: string) => s.models.find((m) => m.name === model)?.built ?? 0;
const status = (p: TempProject, until = '2018-04-09'): Status =>
  readStatus(ok(p, 'status', '--until', until, '--json').stdout);
const of = <T extends { name?: string; model?: string }>(list: T[], name: string): T =>
  list.find((m) => (m.name ?? m.model) === name)!;

/** The newest ledger row's content hash of each window, as `model@YYYY-MM-DD`. */
async function ledgerHashes(p: TempProject): Promise<Map<string, string>> {
  const rows = (await queryFile(
    p.warehouse,
    `SELECT model, strftime(window_start, '%Y-%m-%d') AS d, content_hash FROM etl_state.partitions
     QUALIFY row_number() OVER (PARTITION BY model, window_start ORDER BY seq DESC) = 1`,
  )) as { model: string; d: string; content_hash: string }[];
  return new Map(rows.map((r) => [`${r.model}@${r.d}`, r.content_hash]));
}

/** Every window `status` calls done holds the rows the clean build gave it. */
async function expectDoneMatches(p: TempProject, clean: Map<string, string>): Promise<number> {
  const hashes = await ledgerHashes(p);
  let checked = 0;
  for (const m of status(p).models)
    for (const start of m.done) {
      const key = `${m.name}@${start.slice(0, 10)}`;
      expect(hashes.get(key), `${key} is done`).toBe(clean.get(key));
      checked++;
    }
  return checked;
}

describe('data versions on a ported shop', () => {
  it('build a date, then backfill: the monthly and weekly windows equal a clean backfill, and status never calls a wrong window done', async () => {
    const clean = make();
    ok(clean, 'backfill', '--from', '2018-01-01', '--to', '2018-04-09');
    const reference = await ledgerHashes(clean);

    const p = make();
    ok(p, 'build', '--date', '2018-01-01');
    const early = status(p);
    // January was built from one day of orders: partial, not done.
    expect(of(early.models, 'monthly_orders').partial).toEqual(['2018-01-01T00:00:00.000Z']);
    expect(of(early.models, 'monthly_orders').reasons['2018-01-01T00:00:00.000Z']).toBe(
      'inputs missing',
    );
    expect(of(early.models, 'weekly_orders').partial).toEqual(['2018-01-01T00:00:00.000Z']);
    expect(await expectDoneMatches(p, reference)).toBeGreaterThan(0);

    const plan = json<PlanJson>(p, 'plan', '--from', '2018-01-01', '--to', '2018-04-09');
    expect(of(plan.models, 'monthly_orders')).toMatchObject({ missing: 3, check: 1 });

    const summary = json<Summary>(p, 'backfill', '--from', '2018-01-01', '--to', '2018-04-09');
    expect(built(summary, 'monthly_orders')).toBe(4);
    expect(await expectDoneMatches(p, reference)).toBeGreaterThan(100);
    expect(await snapshot(p.warehouse)).toEqual(await snapshot(clean.warehouse));
    const january = await queryFile(
      p.warehouse,
      `SELECT orders, days FROM main.monthly_orders WHERE month = DATE '2018-01-01'`,
    );
    expect(january).toEqual([{ orders: '61', days: '31' }]);
    expect(
      json<Summary>(p, 'backfill', '--from', '2018-01-01', '--to', '2018-04-09').partitions.built,
    ).toBe(0);
  });

  it('two backfills of the halves of a month leave the month whole, as does run', async () => {
    const clean = make();
    ok(clean, 'backfill', '--from', '2018-01-01', '--to', '2018-01-31');
    const p = make();
    ok(p, 'backfill', '--from', '2018-01-01', '--to', '2018-01-15');
    expect(of(status(p, '2018-01-31').models, 'monthly_orders').partial).toHaveLength(1);
    ok(p, 'backfill', '--from', '2018-01-16', '--to', '2018-01-31');
    expect(await snapshot(p.warehouse)).toEqual(await snapshot(clean.warehouse));
    expect(await queryFile(p.warehouse, `SELECT days FROM main.monthly_orders`)).toEqual([
      { days: '31' },
    ]);

    // The same by the nightly job's way: a build per day, then run catches up.
    const nightly = make();
    for (const d of ['2018-01-01', '2018-01-02', '2018-01-31']) ok(nightly, 'build', '--date', d);
    ok(nightly, 'run', '--until', '2018-01-31');
    const rows = await queryFile(nightly.warehouse, `SELECT orders, days FROM main.monthly_orders`);
    expect(rows).toEqual(
      await queryFile(clean.warehouse, `SELECT orders, days FROM main.monthly_orders`),
    );
  });

  it('a seed edit rebuilds exactly the windows that read it, and downstream only what changed', async () => {
    const p = make();
    ok(p, 'backfill', '--from', '2018-01-01', '--to', '2018-04-09');
    // One order of 2018-02-14 changes status.
    p.write(
      'seeds/raw_orders.csv',
      shopOrdersCsv((r) => (r.date === '2018-02-14' ? 'returned' : r.status)),
    );
    const s = status(p);
    expect(of(s.models, 'orders').stale).toHaveLength(99);
    expect(of(s.models, 'orders').reasons['2018-01-05T00:00:00.000Z']).toBe(
      'seed raw_orders changed',
    );
    expect(of(s.models, 'payments_daily').stale).toHaveLength(0);
    // Downstream windows read stale windows: not done either.
    expect(of(s.models, 'monthly_orders').stale).toHaveLength(4);
    expect(of(s.models, 'monthly_orders').reasons['2018-02-01T00:00:00.000Z']).toMatch(
      /^upstream orders 2018-02-01\.\.2018-02-28 must be rebuilt first$/,
    );
    const plan = json<PlanJson>(p, 'plan', '--from', '2018-01-01', '--to', '2018-04-09');
    expect(of(plan.models, 'orders')).toMatchObject({
      stale: 99,
      reasons: [{ reason: 'seed raw_orders changed', count: 99 }],
    });
    expect(of(plan.models, 'payments_daily')).toMatchObject({ stale: 0, check: 0, done: 99 });
    expect(of(plan.models, 'monthly_orders')).toMatchObject({ check: 4 });
    // Left out of the selection, the seed is not reloaded, as in dbt; the plan says so.
    const narrow = json<PlanJson & { notes: string[] }>(
      p,
      'plan',
      '--from',
      '2018-01-01',
      '--to',
      '2018-04-09',
      '-s',
      'orders+',
    );
    expect(narrow.notes).toEqual([
      expect.stringMatching(/^seed raw_orders changed on disk but is not selected/),
    ]);

    const summary = json<Summary>(p, 'backfill', '--from', '2018-01-01', '--to', '2018-04-09');
    expect(built(summary, 'orders')).toBe(99);
    expect(built(summary, 'payments_daily')).toBe(0);
    expect(built(summary, 'monthly_orders')).toBe(1);
    expect(built(summary, 'weekly_orders')).toBe(1);
    const clean = make({
      ...shopProjectFiles(),
      'seeds/raw_orders.csv': shopOrdersCsv((r) =>
        r.date === '2018-02-14' ? 'returned' : r.status,
      ),
    });
    ok(clean, 'backfill', '--from', '2018-01-01', '--to', '2018-04-09');
    expect(await snapshot(p.warehouse)).toEqual(await snapshot(clean.warehouse));
  });

  it('comments, descriptions, tags, lookback and batch_size rebuild nothing', () => {
    const p = make();
    ok(p, 'backfill', '--from', '2018-01-01', '--to', '2018-04-09');
    p.write(
      'models/orders.sql',
      SHOP_ORDERS_SQL.replace(
        "start='2018-01-01') }}",
        "start='2018-01-01', lookback=2, batch_size=7, tags=['core'], description='Orders.') }}\n-- a note on the filter",
      ).replace('from {{', '  from   {{'),
    );
    p.write(
      'models/orders.yml',
      'models:\n  - name: orders\n    description: One row per order.\n',
    );
    const plan = json<PlanJson>(p, 'plan', '--from', '2018-01-01', '--to', '2018-04-09');
    for (const m of plan.models)
      expect(m, m.model).toMatchObject({ stale: 0, check: 0, missing: 0 });
    expect(status(p).models.every((m) => m.stale.length === 0)).toBe(true);
  });

  it('--forward-only keeps the rows of windows already built; only new windows use the new SQL', async () => {
    const p = make();
    ok(p, 'backfill', '--from', '2018-01-01', '--to', '2018-03-31');
    p.write(
      'models/orders.sql',
      SHOP_ORDERS_SQL.replace(', status\n', ', upper(status) as status\n'),
    );
    const plan = json<PlanJson>(
      p,
      'plan',
      '--from',
      '2018-01-01',
      '--to',
      '2018-04-09',
      '--forward-only',
    );
    expect(plan.accept).toEqual([expect.objectContaining({ model: 'orders', windows: 90 })]);
    expect(of(plan.models, 'orders')).toMatchObject({ stale: 0, missing: 9, done: 90 });
    // Windows the run rebuilds anyway (here forced) take the new SQL: they are not counted.
    const forced = json<PlanJson>(
      p,
      'plan',
      '--from',
      '2018-03-01',
      '--to',
      '2018-03-31',
      '--forward-only',
      '--force',
    );
    expect(forced.accept).toEqual([expect.objectContaining({ model: 'orders', windows: 59 })]);
    const summary = json<Summary>(
      p,
      'backfill',
      '--from',
      '2018-01-01',
      '--to',
      '2018-04-09',
      '--forward-only',
    );
    expect(built(summary, 'orders')).toBe(9);
    const statuses = await queryFile(
      p.warehouse,
      `SELECT order_date >= DATE '2018-04-01' AS new, min(status) = upper(min(status)) AS upper FROM main.orders GROUP BY ALL ORDER BY 1`,
    );
    expect(statuses).toEqual([
      { new: false, upper: false },
      { new: true, upper: true },
    ]);
    const s = of(status(p).models, 'orders');
    expect(s.stale).toHaveLength(0);
    expect(s.forward_only).toHaveLength(90);
    // Nothing is left to do, and verify knows not to compare the accepted windows.
    expect(
      json<Summary>(p, 'backfill', '--from', '2018-01-01', '--to', '2018-04-09').partitions.built,
    ).toBe(0);
    const verify = JSON.parse(
      runCli(
        ['verify', '--from', '2018-03-30', '--to', '2018-04-02', '-s', 'orders', '--json'],
        p.root,
      ).stdout,
    ) as { matched: number; mismatched: number; accepted: number };
    expect(verify).toMatchObject({ matched: 2, mismatched: 0, accepted: 2 });
  });

  it("on_schema_change='append_new_columns' adds a new column; old windows keep NULL", async () => {
    const p = make();
    ok(p, 'backfill', '--from', '2018-01-01', '--to', '2018-03-31');
    const withColumn = SHOP_ORDERS_SQL.replace(
      ', status\n',
      ', status, length(status) as status_length\n',
    );
    p.write('models/orders.sql', withColumn);
    const refused = runCli(
      ['backfill', '--from', '2018-04-01', '--to', '2018-04-09', '-s', 'orders', '--forward-only'],
      p.root,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('added status_length');
    expect(refused.stderr).toContain("on_schema_change='append_new_columns'");
    p.write(
      'models/orders.sql',
      withColumn.replace(
        "start='2018-01-01'",
        "start='2018-01-01', on_schema_change='append_new_columns'",
      ),
    );
    ok(
      p,
      'backfill',
      '--from',
      '2018-04-01',
      '--to',
      '2018-04-09',
      '-s',
      'orders',
      '--forward-only',
      '--threads',
      '3',
    );
    const filled = await queryFile(
      p.warehouse,
      `SELECT order_date >= DATE '2018-04-01' AS new, count(status_length) AS filled, count(*) AS n FROM main.orders GROUP BY ALL ORDER BY 1`,
    );
    expect(filled).toEqual([
      { new: false, filled: '0', n: '180' },
      { new: true, filled: '18', n: '18' },
    ]);
  });
});

describe('open windows', () => {
  it('a month built before it closed is partial, and run rebuilds it once it has closed', async () => {
    const rows = ['id,ts'];
    for (let d = 0; d < 40; d++) rows.push(`${d},${shopDate(d)} 10:00:00`);
    const p = make({
      'seeds/events.csv': `${rows.join('\n')}\n`,
      'models/monthly_events.sql': `{{ config(materialized='incremental', time_column='month', grain='month', start='2018-01-01') }}
select date_trunc('month', ts)::date as month, count(*) as events
from {{ ref('events') }} where ts >= {{ start }} and ts < {{ end }} group by all`,
    });
    const at = (iso: string) => () => Date.parse(iso);
    const common = { project: p.root };
    // The nightly job of 2018-01-02 builds January from the seed as it is: it has not closed.
    const first = await buildProject({
      ...common,
      date: Date.UTC(2018, 0, 1),
      clock: at('2018-01-02T02:00:00Z'),
    });
    expect(first.summary.failures).toEqual([]);
    const early = await projectStatus({ ...common, clock: at('2018-01-20T00:00:00Z') });
    expect([...statusWindows(early[0]!)].map((w) => [w.state, w.reason])).toEqual([
      ['partial', 'open'],
    ]);
    // While January is open, run has nothing to do for it.
    const mid = await catchUpProject({ ...common, clock: at('2018-01-20T00:00:00Z') });
    expect(mid.summary.partitions.built).toBe(0);
    // Once it has closed it is stale, and run rebuilds it.
    const plan = await planCatchUpProject({ ...common, clock: at('2018-02-01T03:00:00Z') });
    expect(plan.windows[0]).toMatchObject({
      stale: 1,
      reasons: [{ reason: 'built before its window closed' }],
    });
    const late = await catchUpProject({ ...common, clock: at('2018-02-01T03:00:00Z') });
    expect(late.summary.partitions.built).toBe(1);
    const after = await projectStatus({ ...common, clock: at('2018-02-01T04:00:00Z') });
    expect([...statusWindows(after[0]!)].map((w) => w.state)).toEqual(['done']);
    expect(await queryFile(p.warehouse, `SELECT events FROM main.monthly_events`)).toEqual([
      { events: '31' },
    ]);
  });
});

describe('edits a user makes', () => {
  // Events over January and February 2024, a daily model over them and a weekly one over it.
  const events = (() => {
    const rows = ['id,ts,cust_id,amount'];
    for (let i = 0; i < 300; i++)
      rows.push(
        `${i},2024-0${1 + (i % 2)}-${String(1 + ((i * 7) % 28)).padStart(2, '0')} ${String((i * 5) % 24).padStart(2, '0')}:00:00,${1 + (i % 9)},${1 + ((i * 13) % 97)}`,
      );
    return `${rows.join('\n')}\n`;
  })();
  const DAY = `{{ config(materialized='incremental', time_column='d', start='2024-01-01') }}
select ts::date as d, count(*) as n, sum(amount) as amt from {{ ref('stg_events') }} where ts >= {{ start }} and ts < {{ end }} group by all`;
  const WEEK = `{{ config(materialized='incremental', time_column='w', grain='week', start='2024-01-01') }}
select date_trunc('week', d)::date as w, sum(n) as n, sum(amt) as amt from {{ ref('ev_day') }} where d >= {{ start }} and d < {{ end }} group by all`;
  const files = (day = DAY, week = WEEK): Record<string, string> => ({
    'seeds/events.csv': events,
    'models/stg_events.sql':
      "select id, ts::timestamp as ts, cust_id, amount from {{ ref('events') }}",
    'models/ev_day.sql': day,
    'models/ev_week.sql': week,
  });
  const weeks = (p: TempProject) =>
    queryFile(p.warehouse, `SELECT w::VARCHAR AS w, n, amt FROM ${'ev_week'} ORDER BY w`);
  const clean = (f: Record<string, string>): TempProject => {
    const c = make(f);
    ok(c, 'run', '--until', '2024-02-25');
    return c;
  };

  it('moving an upstream to another schema rebuilds it whole, and what reads it follows', async () => {
    const p = make(files());
    ok(p, 'run', '--until', '2024-02-25');
    const moved = DAY.replace("start='2024-01-01'", "start='2024-01-01', schema='analytics'");
    p.write('models/ev_day.sql', moved);
    const plan = json<PlanJson>(p, 'plan', '--date', '2024-01-10');
    expect(of(plan.models, 'ev_day')).toMatchObject({ refresh: true });
    ok(p, 'build', '--date', '2024-01-10');
    ok(p, 'run', '--until', '2024-02-25');
    const reference = clean(files(moved));
    expect(await weeks(p)).toEqual(await weeks(reference));
    expect(status(p, '2024-02-25').models.every((m) => m.stale.length === 0)).toBe(true);
  });

  it.each(['table', 'view'])(
    'a daily model made a %s and incremental again is rebuilt whole, not taken as done',
    async (other) => {
      const p = make(files());
      ok(p, 'run', '--until', '2024-02-25');
      // As a table or view it holds other rows (doubled counts) under the same name.
      const whole = `{{ config(materialized='${other}') }}
select ts::date as d, count(*) * 2 as n, sum(amount) as amt from {{ ref('stg_events') }} group by all`;
      p.write('models/ev_day.sql', whole);
      ok(p, 'build', '--date', '2024-01-10');
      p.write('models/ev_day.sql', DAY);
      const plan = json<PlanJson>(p, 'plan', '--until', '2024-02-25');
      expect(of(plan.models, 'ev_day')).toMatchObject({ refresh: true });
      expect(ok(p, 'plan', '--until', '2024-02-25').stdout).toContain(
        'full refresh: it was built as a view or table before',
      );
      ok(p, 'run', '--until', '2024-02-25');
      const reference = clean(files());
      const days = (q: TempProject) =>
        queryFile(q.warehouse, 'SELECT d::VARCHAR AS d, n, amt FROM ev_day ORDER BY d');
      expect(await days(p)).toEqual(await days(reference));
      expect(await weeks(p)).toEqual(await weeks(reference));
      expect(status(p, '2024-02-25').models.every((m) => m.stale.length === 0)).toBe(true);
    },
  );

  it.each([
    ['-s', 'ev_day'],
    ['--exclude', 'stg_events'],
  ])(
    'a view edited and left out of the selection (%s %s) is rebuilt with what reads it',
    async (flag, selector) => {
      const p = make(files());
      ok(p, 'run', '--until', '2024-02-25');
      const view =
        "select id, ts::timestamp as ts, cust_id, amount * 10 as amount from {{ ref('events') }}";
      p.write('models/stg_events.sql', view);
      const built = ok(p, 'backfill', '--from', '2024-01-01', '--to', '2024-01-03', flag, selector);
      expect(built.stderr).toContain(
        'note: view stg_events changed and selected models read it: it is rebuilt too',
      );
      ok(p, 'run', '--until', '2024-02-25');
      const reference = clean({ ...files(), 'models/stg_events.sql': view });
      const days = (q: TempProject) =>
        queryFile(q.warehouse, 'SELECT d::VARCHAR AS d, n, amt FROM ev_day ORDER BY d');
      expect(await days(p)).toEqual(await days(reference));
      expect(await weeks(p)).toEqual(await weeks(reference));
    },
  );

  it('a start inside a week: the first window is the first week starting at or after it, for every command', async () => {
    const week = WEEK.replace("start='2024-01-01'", "start='2024-01-03'");
    const p = make(files(DAY, week));
    ok(p, 'backfill', '--from', '2024-01-01', '--to', '2024-01-31');
    const first = await weeks(p);
    // January's events fall on the 1st and the 15th: the week of the 1st holds the start.
    expect(first.map((r) => r.w)).toEqual(['2024-01-15']);
    ok(p, 'backfill', '--from', '2024-01-01', '--to', '2024-01-31', '--full-refresh');
    expect(await weeks(p)).toEqual(first);
    // status neither counts the week that holds the start as missing nor shows it.
    const s = of(status(p, '2024-02-04').models, 'ev_week');
    expect(s.missing).toEqual([]);
    // (the last week reads days past the backfill: partial)
    expect([...s.done, ...s.partial].sort()).toEqual([
      '2024-01-08T00:00:00.000Z',
      '2024-01-15T00:00:00.000Z',
      '2024-01-22T00:00:00.000Z',
      '2024-01-29T00:00:00.000Z',
    ]);
  });

  it("a column renamed under on_schema_change='append_new_columns' rebuilds what reads it", async () => {
    const p = make(files());
    ok(p, 'run', '--until', '2024-02-25');
    const day = DAY.replace(
      "start='2024-01-01') }}",
      "start='2024-01-01', on_schema_change='append_new_columns') }}",
    ).replace('sum(amount) as amt', 'sum(amount) as amount');
    const week = WEEK.replace('sum(amt) as amt', 'sum(amount) as amt');
    p.write('models/ev_day.sql', day);
    p.write('models/ev_week.sql', week);
    ok(p, 'build', '--date', '2024-01-10');
    ok(p, 'run', '--until', '2024-02-25');
    expect(await weeks(p)).toEqual(await weeks(clean(files(day, week))));
  });

  it('a table written against {{ end }} is rebuilt by run after a build of an older date', async () => {
    const asof = `{{ config(materialized='table') }}
select count(*) as days, max(d)::VARCHAR as last_day from {{ ref('ev_day') }} where d < {{ end }}`;
    const p = make({ ...files(), 'models/asof.sql': asof });
    ok(p, 'run', '--until', '2024-02-25');
    ok(p, 'build', '--date', '2024-01-15');
    expect(await queryFile(p.warehouse, 'SELECT last_day FROM "asof"')).toEqual([
      { last_day: '2024-01-15' },
    ]);
    ok(p, 'run', '--until', '2024-02-25');
    const reference = clean({ ...files(), 'models/asof.sql': asof });
    expect(await queryFile(p.warehouse, 'SELECT last_day FROM "asof"')).toEqual(
      await queryFile(reference.warehouse, 'SELECT last_day FROM "asof"'),
    );
    expect(await queryFile(p.warehouse, 'SELECT last_day FROM "asof"')).not.toEqual([
      { last_day: '2024-01-15' },
    ]);
  });

  it('a model that reads itself is written one window at a time, whatever the batch size', async () => {
    const running = `{{ config(materialized='incremental', time_column='d', start='2024-01-01') }}
select d, n, n + {% if is_incremental() %}coalesce((select total from {{ this }} where d = DATE '{{ ds }}' - 1), 0){% else %}0{% endif %} as total
from {{ ref('ev_day') }} where d >= {{ start }} and d < {{ end }}`;
    const p = make({ ...files(), 'models/running.sql': running });
    ok(p, 'run', '--until', '2024-02-25');
    ok(
      p,
      'backfill',
      '--from',
      '2024-02-01',
      '--to',
      '2024-02-06',
      '-s',
      'running',
      '--force',
      '--batch-size',
      '3',
    );
    const reference = clean({ ...files(), 'models/running.sql': running });
    const totals = (q: TempProject) =>
      queryFile(q.warehouse, `SELECT d::VARCHAR AS d, total FROM running ORDER BY d`);
    expect(await totals(p)).toEqual(await totals(reference));
    expect(status(p, '2024-02-25').models.every((m) => m.stale.length === 0)).toBe(true);
  });
});
