import { afterEach, describe, expect, it } from 'vitest';
import { buildProject } from '../../core/api/build.js';
import { testProject } from '../../core/api/test.js';
import { parseDay } from '../../core/time/dates.js';
import type { RunSummary } from '../../core/execute/run-summary.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { runCli } from '../helpers/run-cli.js';
import { queryFile } from '../helpers/duckdb.js';

/**
 * The data tests dbt users know (dbt_utils' expression_is_true, unique_combination_of_columns,
 * accepted_range, not_empty) on a real DuckDB file, and relationships tests to models built
 * after the tested one, which run once the run has built them.
 */
const ORDERS =
  'id,customer_id,status,amount,day\n1,10,placed,10.5,2024-01-01\n2,10,shipped,,2024-01-01\n3,11,returned,3.25,2024-01-02\n4,12,placed,1,2024-01-02\n';
const BASE = {
  'seeds/orders.csv': ORDERS,
  'models/stg.sql':
    "{{ config(materialized='table') }}\nselect id, customer_id, status, amount::decimal(10, 2) as amount, day::date as day from {{ ref('orders') }}",
  'models/daily.sql':
    "{{ config(materialized='incremental', time_column='day', start='2024-01-01') }}\nselect day, count(*) as n, sum(amount) as amount from {{ ref('stg') }} where day >= {{ start }} and day < {{ end }} group by all",
  'models/nothing.sql':
    "{{ config(materialized='table') }}\nselect * from {{ ref('stg') }} where false",
};

let project: TempProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

/** Build `day` into the project's warehouse file with `schema` as its schema file. */
async function build(schema: string, day = '2024-01-02'): Promise<RunSummary> {
  project = tempProject({ ...BASE, 'models/schema.yml': schema });
  const { summary } = await buildProject({
    project: project.root,
    env: {},
    date: parseDay(day, 0)!,
  });
  return summary;
}

const stg = (body: string): string => `models:\n  - name: stg\n${body}`;
const column = (name: string, test: string): string =>
  stg(`    columns:\n      - name: ${name}\n        tests:\n          - ${test}\n`);

describe('dbt_utils tests in a build, on a DuckDB file', () => {
  it.each<[string, string, string | undefined]>([
    ['expression: a NULL passes', stg('    tests: [{expression: "amount > 0"}]\n'), undefined],
    [
      'expression: a false row fails',
      stg('    tests: [{expression: "amount > 2"}]\n'),
      'expression(stg: amount > 2): 1 row where amount > 2 is false',
    ],
    [
      'expression_is_true passes',
      stg('    tests: [{expression_is_true: {expression: "amount >= 1"}}]\n'),
      undefined,
    ],
    [
      'dbt_utils.expression_is_true under a column fails',
      column('amount', '{dbt_utils.expression_is_true: {expression: "> 1"}}'),
      'expression(stg.amount: amount > 1): 1 row where amount > 1 is false',
    ],
    [
      'unique_combination_of_columns passes',
      stg('    tests: [{unique_combination_of_columns: {combination_of_columns: [id, day]}}]\n'),
      undefined,
    ],
    [
      'dbt_utils.unique_combination_of_columns fails',
      stg(
        '    tests: [{dbt_utils.unique_combination_of_columns: {combination_of_columns: [customer_id, day]}}]\n',
      ),
      'unique_combination_of_columns(stg.customer_id, day): 1 duplicated combination of customer_id, day',
    ],
    [
      'accepted_range passes: bounds included, NULL passes',
      column('amount', '{accepted_range: {min_value: 1, max_value: 10.5}}'),
      undefined,
    ],
    [
      'accepted_range fails: bounds excluded',
      column('amount', '{accepted_range: {min_value: 1, max_value: 10.5, inclusive: false}}'),
      'accepted_range(stg.amount: > 1, < 10.5): 2 rows where amount is not > 1 and < 10.5',
    ],
    [
      'dbt_utils.accepted_range fails: a SQL bound',
      column('day', `{dbt_utils.accepted_range: {max_value: "DATE '2024-01-01'"}}`),
      "accepted_range(stg.day: <= DATE '2024-01-01'): 2 rows",
    ],
    ['not_empty passes', stg('    tests: [not_empty]\n'), undefined],
    [
      'dbt_utils.not_empty fails on an empty table',
      'models:\n  - name: nothing\n    data_tests: [dbt_utils.not_empty]\n',
      'not_empty(nothing): found no rows',
    ],
  ])('%s', async (_name, schema, failure) => {
    const summary = await build(schema);
    expect(summary.failures.map((f) => f.error).join('\n')).toContain(failure ?? '');
    expect(summary.status).toBe(failure === undefined ? 'success' : 'failed');
    if (failure !== undefined)
      expect(summary.failures).toEqual([expect.objectContaining({ code: 'E_TEST_FAILED' })]);
  });

  it('not_empty on an incremental model tests each window: an empty window fails and keeps what it had', async () => {
    const schema = 'models:\n  - name: daily\n    tests: [not_empty]\n';
    expect((await build(schema, '2024-01-02')).status).toBe('success');
    project!.cleanup();
    const empty = await build(schema, '2024-01-03');
    expect(empty.status).toBe('failed');
    expect(empty.failures[0]).toMatchObject({ model: 'daily', window: '2024-01-03' });
    expect(empty.failures[0]!.error).toContain('not_empty(daily): found no rows');
  });

  it('severity warn and where, in dbt config form', async () => {
    const summary = await build(
      stg(
        '    tests:\n      - expression_is_true: {expression: "amount > 2", config: {severity: warn}}\n      - expression_is_true: {expression: "amount > 2", config: {where: "id <> 4"}}\n',
      ),
    );
    expect(summary.status).toBe('success');
    expect(summary.warnings).toEqual([
      expect.objectContaining({ model: 'stg', test: 'expression(stg: amount > 2)' }),
    ]);
  });

  it('etl test runs every new kind', async () => {
    project = tempProject({
      ...BASE,
      'models/schema.yml': stg(
        `    data_tests:
      - dbt_utils.unique_combination_of_columns: {combination_of_columns: [id, day]}
      - not_empty
      - dbt_utils.expression_is_true: {expression: "amount > 0"}
    columns:
      - name: amount
        data_tests: [{dbt_utils.accepted_range: {min_value: 0}}]
`,
      ),
    });
    const summary = await testProject({ project: project.root, env: {} });
    expect(Object.fromEntries(summary.results.map((r) => [r.name, r.status]))).toEqual({
      'unique_combination_of_columns(stg.id, day)': 'pass',
      'not_empty(stg)': 'pass',
      'expression(stg: amount > 0)': 'pass',
      'accepted_range(stg.amount: >= 0)': 'pass',
    });
  });
});

/**
 * orders (daily windows) has relationships tests to customers, an independent model windowed
 * by signup day, and to buyers, a table built from orders (downstream of it).
 */
const RAW_ORDERS =
  'id,customer_id,day\n1,10,2024-01-01\n2,11,2024-01-02\n3,12,2024-01-03\n4,12,2024-01-03\n';
const RAW_CUSTOMERS = 'customer_id,signed_up\n10,2024-01-01\n11,2024-01-02\n12,2024-01-03\n';
const LINKED = {
  'seeds/raw_customers.csv': RAW_CUSTOMERS,
  'models/orders.sql':
    "{{ config(materialized='incremental', time_column='day', start='2024-01-01') }}\nselect id, customer_id, day::date as day from {{ ref('raw_orders') }} where day >= {{ start }} and day < {{ end }}",
  'models/customers.sql':
    "{{ config(materialized='incremental', time_column='signed_up', start='2024-01-01') }}\nselect customer_id, case when {{ var('boom', false) }} and signed_up = '2024-01-03' then error('boom') else signed_up::date end as signed_up\nfrom {{ ref('raw_customers') }} where signed_up >= {{ start }} and signed_up < {{ end }}",
  'models/buyers.sql':
    "{{ config(materialized='table') }}\nselect distinct o.customer_id from {{ ref('orders') }} o join {{ ref('raw_customers') }} c using (customer_id)",
  'models/schema.yml': `models:
  - name: orders
    columns:
      - name: customer_id
        tests:
          - not_null
          - relationships: {to: ref('customers'), field: customer_id}
          - relationships: {to: buyers, field: customer_id}
`,
};
const RANGE = ['--from', '2024-01-01', '--to', '2024-01-03'];
const TO_CUSTOMERS = 'relationships(orders.customer_id -> customers.customer_id)';
const TO_BUYERS = 'relationships(orders.customer_id -> buyers.customer_id)';

describe('tests that read other models run after the build', () => {
  it('a backfill passes when every model they read is right, built after the tested one', () => {
    project = tempProject({ ...LINKED, 'seeds/raw_orders.csv': RAW_ORDERS });
    const result = runCli(['backfill', ...RANGE, '--json'], project.root);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    expect(summary.status).toBe('success');
    expect(summary.partitions.built).toBe(6);
  });

  it('a wrong value fails the backfill (exit 1) with the test named, and keeps the windows', async () => {
    project = tempProject({
      ...LINKED,
      'seeds/raw_orders.csv': `${RAW_ORDERS}5,99,2024-01-03\n`,
    });
    const result = runCli(['backfill', ...RANGE, '--json'], project.root);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout) as RunSummary;
    expect(summary.failures).toEqual([
      expect.objectContaining({ model: 'orders', code: 'E_TEST_FAILED', test: TO_CUSTOMERS }),
      expect.objectContaining({ model: 'orders', code: 'E_TEST_FAILED', test: TO_BUYERS }),
    ]);
    expect(summary.failures[0]!.error).toContain(
      `${TO_CUSTOMERS}: 1 row whose customer_id is not in customers.customer_id, e.g. {id: 5, customer_id: 99, day: 2024-01-03}`,
    );
    // Nothing rolled back, nothing skipped: the windows are done, and stay done.
    expect(summary.partitions).toMatchObject({ built: 6, failed: 0, upstream_failed: 0 });
    expect(await queryFile(project.warehouse, 'SELECT count(*) AS n FROM main.orders')).toEqual([
      { n: '5' },
    ]);
    const again = runCli(['backfill', ...RANGE, '--json'], project.root);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as RunSummary).partitions.built).toBe(0);
  });

  it('a build says which test failed after the build', () => {
    project = tempProject({
      ...LINKED,
      'seeds/raw_orders.csv': `${RAW_ORDERS}5,99,2024-01-03\n`,
    });
    const result = runCli(['build', '--date', '2024-01-03'], project.root);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`FAIL ${TO_CUSTOMERS} (after the build): 1 row whose`);
    expect(result.stderr).toContain(`x orders: ${TO_BUYERS}: 1 row whose`);
    expect(runCli(['build', '--date', '2024-01-03', '--no-test'], project.root).code).toBe(0);
  });

  it('is not run when a model it reads failed to build', () => {
    project = tempProject({ ...LINKED, 'seeds/raw_orders.csv': RAW_ORDERS });
    const result = runCli(['backfill', ...RANGE, '--vars', '{boom: true}', '--json'], project.root);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout) as RunSummary;
    // Its last window fails; the orders windows are written, but not tested against it.
    expect(summary.failures.map((f) => f.test ?? `${f.model} ${f.window}`)).toEqual([
      'customers 2024-01-03',
    ]);
    expect(summary.partitions).toMatchObject({ built: 5, failed: 1 });
    const told = runCli(['backfill', ...RANGE, '--force', '--vars', '{boom: true}'], project.root);
    expect(told.stderr).toContain(
      `not run: ${TO_CUSTOMERS}: customers did not build fully in this run`,
    );
  });
});
