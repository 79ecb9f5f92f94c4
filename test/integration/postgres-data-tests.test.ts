import { afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../core/execute/run-summary.js';
import { tempProject } from '../helpers/temp-project.js';
import { runCli } from '../helpers/run-cli.js';
import { freshDatabase } from '../helpers/postgres.js';

/**
 * The dbt_utils-style data tests and the tests run after the build, on a real PostgreSQL
 * server (the DuckDB suite is data-tests-dbt.test.ts): the SQL they send is portable.
 */
const ORDERS =
  'id,customer_id,amount,day\n1,10,10.5,2024-01-01\n2,10,,2024-01-01\n3,11,3.25,2024-01-02\n4,12,1,2024-01-02\n';
const FILES = {
  'seeds/orders.csv': ORDERS,
  'seeds/customers.csv': 'customer_id\n10\n11\n12\n',
  'models/daily.sql':
    "{{ config(materialized='incremental', time_column='day', start='2024-01-01') }}\nselect id, customer_id, amount, day::date as day from {{ ref('orders') }} where day >= {{ start }} and day < {{ end }}",
  'models/known.sql':
    "{{ config(materialized='table') }}\nselect distinct d.customer_id from {{ ref('daily') }} d join {{ ref('customers') }} c using (customer_id)",
};

/** Passing tests of every kind; `amount > 2`-like failures are added per case. */
const PASSING = `models:
  - name: daily
    data_tests:
      - not_empty
      - dbt_utils.unique_combination_of_columns: {combination_of_columns: [id, day]}
      - dbt_utils.expression_is_true: {expression: "amount > 0"}
    columns:
      - name: amount
        data_tests:
          - dbt_utils.accepted_range: {min_value: 1, max_value: "10 + 0.5"}
      - name: customer_id
        data_tests:
          - relationships: {to: ref('known'), field: customer_id}
`;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

async function backfill(schema: string, orders = ORDERS): Promise<ReturnType<typeof runCli>> {
  const project = tempProject({
    ...FILES,
    'seeds/orders.csv': orders,
    'models/schema.yml': schema,
  });
  const db = await freshDatabase();
  cleanup.push(async () => {
    await db.drop();
    project.cleanup();
  });
  return runCli(
    ['backfill', '--from', '2024-01-01', '--to', '2024-01-02', '--json'],
    project.root,
    { ETL_TARGET: `${db.url}?schema=main` },
  );
}

const failuresOf = (result: ReturnType<typeof runCli>): string[] =>
  (JSON.parse(result.stdout) as RunSummary).failures.map((f) => f.error);

describe('data tests on PostgreSQL', () => {
  it('every kind passes on right data, NULLs passing expression and accepted_range', async () => {
    const result = await backfill(PASSING);
    expect(result.code, result.stderr + result.stdout).toBe(0);
  });

  it.each<[string, string, string]>([
    [
      'expression_is_true',
      PASSING.replace('"amount > 0"', '"amount > 2"'),
      'expression(daily: amount > 2): 1 row where amount > 2 is false',
    ],
    [
      'accepted_range',
      PASSING.replace('min_value: 1,', 'min_value: 1, inclusive: false,'),
      'accepted_range(daily.amount: > 1, < 10 + 0.5): 1 row',
    ],
    [
      'unique_combination_of_columns',
      PASSING.replace('[id, day]', '[customer_id, day]'),
      'unique_combination_of_columns(daily.customer_id, day): 1 duplicated combination',
    ],
  ])('%s fails its window', async (_kind, schema, message) => {
    const result = await backfill(schema);
    expect(result.code).toBe(1);
    expect(failuresOf(result).join('\n')).toContain(message);
  });

  it('not_empty fails an empty window', async () => {
    const result = await backfill(PASSING, 'id,customer_id,amount,day\n1,10,10.5,2024-01-01\n');
    expect(result.code).toBe(1);
    // known, read by the relationships test, is downstream of the failed window: not built.
    expect(failuresOf(result)).toEqual([
      expect.stringContaining('not_empty(daily): found no rows'),
    ]);
  });

  it('relationships to a downstream table fails after the build', async () => {
    const result = await backfill(PASSING, `${ORDERS}5,99,3,2024-01-01\n`);
    expect(result.code).toBe(1);
    expect(failuresOf(result)).toEqual([
      expect.stringContaining(
        'relationships(daily.customer_id -> known.customer_id): 1 row whose customer_id is not in known.customer_id, e.g. {id: 5, customer_id: 99, amount: 3, day: 2024-01-01}',
      ),
    ]);
  });
});
