import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { queryFile } from '../helpers/duckdb.js';

/**
 * A project written as a dbt user writes one (test/fixtures/dbt-shop, after the classic
 * jaffle_shop): dbt_project.yml and no etl.yml, folder config, macros that call ref(), a
 * source in a schema file, seeds in a subfolder, vars with logic, a custom generic test, and
 * config in a schema file. It runs as it is.
 */
const FIXTURE = fileURLToPath(new URL('../fixtures/dbt-shop', import.meta.url));
let root = '';
let warehouse = '';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'etl-dbt-shop-'));
  cpSync(FIXTURE, root, { recursive: true });
  warehouse = join(root, 'warehouse.duckdb');
  // The source: a table another pipeline loads.
  await queryFile(
    warehouse,
    `create schema landing;
     create table landing.web_events_v2 as
       select range as event_id, 1 + range % 20 as customer_id,
              timezone('UTC', now()) - to_hours(range) as loaded_at
       from range(50);`,
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Plain DuckDB over the same CSVs: what the models must hold, written out by hand. */
const PLAIN = (seeds: string) => `
with stg_orders as (
  select id as order_id, user_id as customer_id, cast(order_date as date) as order_date, status
  from read_csv('${seeds}/raw_orders.csv') where status not in ('returned', 'return_pending')
),
stg_payments as (
  select id as payment_id, order_id, payment_method, cast(amount / 100.0 as decimal(16, 2)) as amount
  from read_csv('${seeds}/raw_payments.csv')
),
order_payments as (
  select order_id,
    sum(case when payment_method = 'credit_card' then amount else 0 end) as credit_card_amount,
    sum(case when payment_method = 'coupon' then amount else 0 end) as coupon_amount,
    sum(case when payment_method = 'bank_transfer' then amount else 0 end) as bank_transfer_amount,
    sum(case when payment_method = 'gift_card' then amount else 0 end) as gift_card_amount,
    sum(amount) as total_amount
  from stg_payments group by order_id
)
select o.order_id, o.customer_id, o.order_date, o.status, p.credit_card_amount, p.coupon_amount,
       p.bank_transfer_amount, p.gift_card_amount, p.total_amount as amount
from stg_orders o left join order_payments p on o.order_id = p.order_id`;

describe('a dbt project, run as it is', () => {
  it('builds: folder config, schema-file config, macros, vars, source, seeds in a subfolder', async () => {
    const built = runCli(['backfill', '--from', '2018-01-01', '--to', '2018-04-10'], root);
    expect(built.stderr).toContain(
      'warning: dbt_project.yml: etl ignores: profile, target-path, clean-targets (etl does not support them)',
    );
    expect(built.stderr).toContain(
      'warning: models/marts/schema.yml: etl ignores: exposures (etl does not support them)',
    );
    expect(built.stderr.match(/etl ignores/g)).toHaveLength(2);
    expect(built.code).toBe(0);
    const kinds = await queryFile(
      warehouse,
      `select table_name as name, table_type as kind from information_schema.tables
       where table_schema = 'main' order by table_name`,
    );
    expect(Object.fromEntries(kinds.map((k) => [k.name, k.kind]))).toEqual({
      customers: 'BASE TABLE',
      daily_orders: 'BASE TABLE',
      orders: 'BASE TABLE',
      raw_customers: 'BASE TABLE',
      raw_orders: 'BASE TABLE',
      raw_payments: 'BASE TABLE',
      stg_customers: 'VIEW',
      stg_orders: 'VIEW',
      stg_payments: 'VIEW',
      stg_web_events: 'VIEW',
      visits: 'BASE TABLE',
    });
    // daily_orders is incremental by its schema file's config: one ledger row per day.
    const days = await queryFile(
      warehouse,
      `select count(*) as n from etl_state.partitions where model = 'daily_orders'`,
    );
    expect(days).toEqual([{ n: '100' }]);
  });

  it('its tables equal plain DuckDB running the same SQL', async () => {
    const seeds = join(root, 'seeds', 'jaffle');
    const diff = await queryFile(
      warehouse,
      `select count(*) as n from (
         (select * from main.orders except all select * from (${PLAIN(seeds)}))
         union all
         (select * from (${PLAIN(seeds)}) except all select * from main.orders))`,
    );
    expect(diff).toEqual([{ n: '0' }]);
    const [counts] = await queryFile(
      warehouse,
      `select (select count(*) from main.orders) as orders,
              (select count(*) from main.customers) as customers,
              (select sum(orders) from main.daily_orders) as daily,
              (select sum(visits) from main.visits) as visits`,
    );
    const [plain] = await queryFile(warehouse, `select count(*) as orders from (${PLAIN(seeds)})`);
    expect(counts).toEqual({
      orders: plain!.orders,
      customers: '20',
      daily: plain!.orders,
      visits: '50',
    });
  });

  it('tests green, shows its source in dag and selection, and checks its freshness', () => {
    const tested = runCli(['test', '--exclude', 'source:landing.web_events+'], root);
    expect(tested.stdout).toMatch(/PASS .*not_negative\(orders\.amount\)/);
    expect(tested.stdout).toMatch(/PASS .*assert_total_payment_amount_is_positive/);
    expect(tested.stdout).toMatch(
      /PASS .*relationships\(orders\.customer_id -> customers\.customer_id\)/,
    );
    expect(tested.stdout).toMatch(/^14 passed, 0 failed$/m);
    expect(tested.code).toBe(0);
    const dag = runCli(['dag', '-s', 'source:landing.web_events+'], root).stdout;
    expect(
      dag
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['landing.web_events', 'stg_web_events', 'visits']);
    const fresh = runCli(['source', 'freshness'], root);
    expect(fresh.stdout).toMatch(/^PASS {2}landing\.web_events/m);
    expect(fresh.code).toBe(0);
  });

  it('a macro edit makes exactly the models whose SQL changed state:modified', () => {
    const modified = () => {
      const run = runCli(['build', '--date', '2018-02-01', '-s', 'state:modified', '--json'], root);
      expect(run.code).toBe(0);
      return (JSON.parse(run.stdout) as { models: { name: string }[] }).models.map((m) => m.name);
    };
    expect(modified()).toEqual([]);
    const macro = join(root, 'macros', 'cents_to_dollars.sql');
    writeFileSync(macro, readFileSync(macro, 'utf8').replace('/ 100.0', '/ 100.00'));
    // stg_payments renders differently; orders reads that view; customers reads the table.
    expect(modified().sort()).toEqual(['orders', 'stg_payments']);
    expect(modified()).toEqual([]);
  });
});
