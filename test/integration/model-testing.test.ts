import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { testProject, type TestSummary } from '../../core/api/test.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { runCli } from '../helpers/run-cli.js';
import { queryFile, snapshot } from '../helpers/duckdb.js';
import { compileErrors } from '../helpers/compile.js';

const ORDERS =
  'id,customer_id,status,amount,day\n1,10,placed,10.5,2024-01-01\n2,10,shipped,,2024-01-01\n3,11,returned,3.25,2024-01-02\n4,12,placed,1,2024-01-02\n';
const CUSTOMERS = 'customer_id,name\n10,ada\n11,grace\n12,edsger\n';
const BASE = {
  'seeds/orders.csv': ORDERS,
  'seeds/customers.csv': CUSTOMERS,
  'models/stg.sql':
    "{{ config(materialized='table') }}\nselect id, customer_id, status, amount::decimal(10, 2) as amount, day::date as day from {{ ref('orders') }}",
  'models/daily.sql':
    "{{ config(materialized='incremental', time_column='day', start='2024-01-01') }}\nselect day, count(*) as n, sum(amount) as amount from {{ ref('stg') }} where day >= {{ start }} and day < {{ end }} group by all",
  'models/after.sql':
    "{{ config(materialized='table') }}\nselect sum(n) as n from {{ ref('daily') }}",
};

let project: TempProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

async function run(
  schema: string,
  extra: Record<string, string> = {},
  date?: number,
): Promise<TestSummary> {
  project = tempProject({ ...BASE, 'models/schema.yml': schema, ...extra });
  return testProject({ project: project.root, ...(date === undefined ? {} : { date }) });
}
const statusOf = (summary: TestSummary) =>
  Object.fromEntries(summary.results.map((r) => [r.name, r.status]));

describe('generic data tests', () => {
  it.each<[string, string, 'pass' | 'fail']>([
    ['not_null passes', 'columns: [{name: id, tests: [not_null]}]', 'pass'],
    ['not_null fails on a null', 'columns: [{name: amount, tests: [not_null]}]', 'fail'],
    ['unique passes', 'columns: [{name: id, tests: [unique]}]', 'pass'],
    ['unique fails on a duplicate', 'columns: [{name: customer_id, tests: [unique]}]', 'fail'],
    [
      'accepted_values passes',
      'columns: [{name: status, tests: [{accepted_values: {values: [placed, shipped, returned]}}]}]',
      'pass',
    ],
    [
      'accepted_values fails',
      'columns: [{name: status, tests: [{accepted_values: {values: [placed, shipped]}}]}]',
      'fail',
    ],
    [
      'relationships passes',
      "columns: [{name: customer_id, tests: [{relationships: {to: ref('customers'), field: customer_id}}]}]",
      'pass',
    ],
    [
      'relationships fails',
      'columns: [{name: id, tests: [{relationships: {to: customers, field: customer_id}}]}]',
      'fail',
    ],
    ['expression passes', 'tests: [{expression: "id > 0"}]', 'pass'],
    ['expression passes a NULL (as dbt_utils)', 'tests: [{expression: "amount > 0"}]', 'pass'],
    ['expression fails where false', 'tests: [{expression: "amount > 2"}]', 'fail'],
    [
      'where narrows the rows',
      'columns: [{name: amount, tests: [{not_null: {where: "status <> \'shipped\'"}}]}]',
      'pass',
    ],
    ['model-level unique on a combination', 'tests: [{unique: {columns: [id, day]}}]', 'pass'],
  ])('%s', async (_name, body, expected) => {
    const summary = await run(`models:\n  - name: stg\n    ${body}\n`);
    expect(summary.results).toHaveLength(1);
    expect(summary.results[0]!.status).toBe(expected);
    expect(summary.failed).toBe(expected === 'fail' ? 1 : 0);
  });

  it('a failing test names the rows', async () => {
    const summary = await run(
      'models:\n  - name: stg\n    columns: [{name: status, tests: [{accepted_values: {values: [placed, shipped]}}]}]\n',
    );
    expect(summary.results[0]!.message).toBe(
      '1 row with status not in (placed, shipped), e.g. {id: 3, customer_id: 11, status: returned, amount: 3.25, day: 2024-01-02}',
    );
  });

  it('severity warn reports without failing', async () => {
    const summary = await run(
      'models:\n  - name: stg\n    columns: [{name: amount, tests: [{not_null: {severity: warn}}]}]\n',
    );
    expect(summary.results[0]!.status).toBe('warn');
    expect(summary.failed).toBe(0);
    expect(summary.warned).toBe(1);
  });

  it('a singular test (tests/*.sql) fails with its rows', async () => {
    const summary = await run('models: []\n', {
      'tests/no_small_orders.sql': "select * from {{ ref('stg') }} where amount < 2",
    });
    expect(statusOf(summary)).toEqual({ no_small_orders: 'fail' });
    expect(summary.results[0]!.message).toContain('1 failing row');
  });
});

describe('unit tests', () => {
  const unit = (given: string, expect: string, window = '{date: 2024-01-05}') =>
    `unit_tests:\n  - name: u\n    model: daily\n    window: ${window}\n    given:\n${given}\n    expect:\n${expect}\n`;

  it('fixture rows take the upstream types: dates, decimals and nulls', async () => {
    const summary = await run(
      unit(
        "      - input: ref('stg')\n        rows:\n          - {id: 1, amount: 10.5, day: 2024-01-05}\n          - {id: 2, amount: null, day: 2024-01-05}\n          - {id: 3, amount: 0.25, day: '2024-01-05'}\n          - {id: 4, amount: 99, day: 2024-01-06}",
        '      rows: [{day: 2024-01-05, n: 3, amount: 10.75}]',
      ),
    );
    expect(statusOf(summary)).toEqual({ u: 'pass' });
  });

  it('a failing unit test shows a readable row diff, ignoring order', async () => {
    const summary = await run(
      unit(
        "      - input: ref('stg')\n        csv: |\n          id,amount,day\n          1,10.5,2024-01-05\n          2,1,2024-01-05",
        '      rows:\n        - {day: 2024-01-05, n: 3, amount: 11.5}',
      ),
    );
    expect(summary.results[0]).toMatchObject({ status: 'fail', failures: 2 });
    expect(summary.results[0]!.message).toBe(
      [
        'expected rows not in the output (1):',
        '  - {day: 2024-01-05, n: 3, amount: 11.50}',
        'rows not expected (1):',
        '  + {day: 2024-01-05, n: 2, amount: 11.50}',
      ].join('\n'),
    );
  });

  it('inputs may come from a seed file; an unknown fixture column is named', async () => {
    const seeded = await run(
      "unit_tests:\n  - name: from_seed\n    model: stg\n    given:\n      - input: ref('orders')\n        seed: orders\n    expect:\n      rows: [{id: 1}, {id: 2}, {id: 3}, {id: 4}]\n",
    );
    expect(statusOf(seeded)).toEqual({ from_seed: 'pass' });
    const wrong = await run(
      unit("      - input: ref('stg')\n        rows: [{id: 1, amout: 3}]", '      rows: []'),
    );
    expect(wrong.results[0]!.message).toContain("'amout' is not one of its columns");
    expect(wrong.results[0]!.message).toContain("(did you mean 'amount'?)");
  });

  it('an expected column the model does not output is named', async () => {
    const summary = await run(
      unit("      - input: ref('stg')\n        rows: []", '      rows: [{dayy: 2024-01-05}]'),
    );
    expect(summary.results[0]!.message).toContain("expected column dayy not in the model's output");
  });
});

describe('schema files are validated', () => {
  it.each<[string, string]>([
    [
      'models:\n  - name: stg\n    colums: []\n',
      "models/schema.yml:3:5: unknown key 'colums' in a model entry (did you mean 'columns'?)",
    ],
    [
      'models:\n  - name: stgg\n',
      "models/schema.yml:2:5: schema file describes unknown model 'stgg' (did you mean 'stg'?)",
    ],
    [
      'models:\n  - name: stg\n    columns:\n      - name: id\n        tests: [not_nul]\n',
      "models/schema.yml:5:17: unknown test 'not_nul' (did you mean 'not_null'?)",
    ],
    [
      'models:\n  - name: stg\n    columns:\n      - name: id\n        tests: [{accepted_values: {}}]\n',
      "accepted_values needs 'values'",
    ],
    [
      'models:\n  - name: stg\n    columns:\n      - name: id\n        tests: [{not_null: {severity: fatal}}]\n',
      "severity must be 'warn' or 'error'",
    ],
    [
      'models:\n  - name: stg\n    columns:\n      - name: id\n        tests: [{relationships: {to: nope, field: id}}]\n',
      "relationships to unknown model or seed 'nope'",
    ],
    [
      "unit_tests:\n  - name: u\n    model: daily\n    given:\n      - input: ref('orders')\n        rows: []\n    expect: {rows: []}\n",
      "model 'daily' does not ref 'orders'",
    ],
    [
      'unit_tests:\n  - name: u\n    model: daily\n    expect: {rows: [], csv: x}\n',
      'needs exactly one of rows or csv',
    ],
  ])('%j', (schema, expected) => {
    const errors = compileErrors({ ...BASE, 'models/schema.yml': schema });
    expect(errors.join('\n')).toContain(expected);
  });
});

describe('etl test and etl build with tests', () => {
  it('etl test never touches the warehouse', async () => {
    project = tempProject({
      ...BASE,
      'models/schema.yml': 'models:\n  - name: stg\n    columns: [{name: id, tests: [unique]}]\n',
    });
    expect(runCli(['build', '--date', '2024-01-01'], project.root).code).toBe(0);
    const checksum = () =>
      createHash('sha256').update(readFileSync(project!.warehouse)).digest('hex');
    const before = checksum();
    const beforeRows = await snapshot(project.warehouse);
    project.write('seeds/orders.csv', `${ORDERS}5,10,placed,2,2024-01-03\n`);
    const result = runCli(['test'], project.root);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\n1 passed, 0 failed\n$/);
    expect(checksum()).toBe(before);
    expect(await snapshot(project.warehouse)).toEqual(beforeRows);
  });

  it('a failing error test in a build rolls the model back and skips its downstream; --no-test skips tests', async () => {
    project = tempProject({
      ...BASE,
      'models/schema.yml': 'models:\n  - name: daily\n    tests: [{expression: "n < 2"}]\n',
    });
    expect(runCli(['build', '--date', '2024-01-01', '--no-test'], project.root).code).toBe(0);
    const before = await snapshot(project.warehouse);
    project.write('seeds/orders.csv', `${ORDERS}5,10,placed,2,2024-01-03\n`);
    const failed = runCli(['build', '--date', '2024-01-02', '--json'], project.root);
    expect(failed.code).toBe(1);
    const summary = JSON.parse(failed.stdout) as {
      failures: { model: string; code: string; error: string }[];
      models: { name: string; upstream_failed: number }[];
    };
    expect(summary.failures).toEqual([
      expect.objectContaining({
        model: 'daily',
        code: 'E_TEST_FAILED',
        error: expect.stringContaining(
          'expression(daily: n < 2): 1 row where n < 2 is false',
        ) as unknown,
      }),
    ]);
    expect(summary.models.find((m) => m.name === 'after')?.upstream_failed).toBe(1);
    const daily = await queryFile(project.warehouse, 'SELECT count(*) AS n FROM main.daily');
    expect(daily).toEqual([{ n: '1' }]); // the 2024-01-02 window was rolled back
    expect((await snapshot(project.warehouse))['main.daily']).toEqual(before['main.daily']);
    expect(runCli(['build', '--date', '2024-01-02', '--no-test'], project.root).code).toBe(0);
  });

  it('etl test exits 1 on a failure and prints N passed, N failed', () => {
    project = tempProject({
      ...BASE,
      'models/schema.yml':
        'models:\n  - name: stg\n    columns: [{name: customer_id, tests: [unique, not_null]}]\n',
    });
    const result = runCli(['test', '-s', 'stg'], project.root);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL  data  unique(stg.customer_id)');
    expect(result.stdout).toContain('PASS  data  not_null(stg.customer_id)');
    expect(result.stdout).toMatch(/\n1 passed, 1 failed\n$/);
  });
});
