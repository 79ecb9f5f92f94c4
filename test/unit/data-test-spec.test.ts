import { describe, expect, it } from 'vitest';
import type { EtlError } from '../../core/errors.js';
import { parseSchemaFiles } from '../../core/project/schema-file.js';
import { otherRelationsRead, type DataTestSpec } from '../../core/project/test-spec.js';
import { failingRowsSql } from '../../core/testing/data-test-sql.js';

/** The tests a schema file declares, and its errors as `file:line:col: message`. */
function parse(text: string): { tests: DataTestSpec[]; errors: string[] } {
  const errors: EtlError[] = [];
  const { tests } = parseSchemaFiles([{ relPath: 'models/schema.yml', text }], errors);
  return {
    tests,
    errors: errors.map((e) => {
      const at = e.location;
      return `${at?.file ?? ''}:${at?.line ?? ''}:${at?.column ?? ''}: ${e.message}`;
    }),
  };
}

const model = (body: string): string => `models:\n  - name: orders\n${body}`;

describe('generic tests as dbt spells them', () => {
  it.each<[string, string, Partial<DataTestSpec>]>([
    [
      'expression_is_true at model level is expression',
      '    tests: [{expression_is_true: {expression: "amount >= 0"}}]\n',
      { kind: 'expression', expression: 'amount >= 0', name: 'expression(orders: amount >= 0)' },
    ],
    [
      'dbt_utils.expression_is_true under a column follows the column name',
      '    columns:\n      - name: amount\n        tests: [{dbt_utils.expression_is_true: {expression: ">= 0"}}]\n',
      { kind: 'expression', column: 'amount', expression: 'amount >= 0' },
    ],
    [
      'expression under a column is the whole expression',
      '    columns:\n      - name: amount\n        tests: [{expression: "amount >= 0"}]\n',
      { kind: 'expression', expression: 'amount >= 0' },
    ],
    [
      'dbt_utils.unique_combination_of_columns',
      '    tests:\n      - dbt_utils.unique_combination_of_columns:\n          combination_of_columns: [id, day]\n',
      {
        kind: 'unique_combination_of_columns',
        columns: ['id', 'day'],
        name: 'unique_combination_of_columns(orders.id, day)',
      },
    ],
    [
      'accepted_range with both bounds, inclusive by default',
      '    columns:\n      - name: amount\n        tests: [{accepted_range: {min_value: 0, max_value: 100}}]\n',
      {
        kind: 'accepted_range',
        range: { min: '0', max: '100', inclusive: true },
        name: 'accepted_range(orders.amount: >= 0, <= 100)',
      },
    ],
    [
      'dbt_utils.accepted_range with one bound, exclusive, at model level by column_name',
      '    tests: [{dbt_utils.accepted_range: {column_name: day, max_value: "current_date", inclusive: false}}]\n',
      {
        kind: 'accepted_range',
        column: 'day',
        range: { min: undefined, max: 'current_date', inclusive: false },
        name: 'accepted_range(orders.day: < current_date)',
      },
    ],
    [
      'not_empty and dbt_utils.not_empty',
      '    data_tests: [dbt_utils.not_empty]\n',
      { kind: 'not_empty', column: undefined, name: 'not_empty(orders)' },
    ],
    [
      "data_tests: on a column, with dbt's config form",
      '    columns:\n      - name: id\n        data_tests:\n          - unique: {config: {severity: WARN, where: "day > \'2024-01-01\'"}}\n',
      { kind: 'unique', column: 'id', severity: 'warn', where: "day > '2024-01-01'" },
    ],
    [
      'a model-level column test by column_name',
      '    tests: [{not_null: {column_name: id}}]\n',
      { kind: 'not_null', column: 'id', name: 'not_null(orders.id)' },
    ],
  ])('%s', (_name, body, expected) => {
    const { tests, errors } = parse(model(body));
    expect(errors).toEqual([]);
    expect(tests).toHaveLength(1);
    expect(tests[0]).toMatchObject(expected);
  });

  it('a test with config enabled: false is left out', () => {
    const { tests, errors } = parse(
      model('    tests: [{not_empty: {config: {enabled: false}}}, not_empty]\n'),
    );
    expect(errors).toEqual([]);
    expect(tests).toHaveLength(1);
  });

  it('only relationships to another model read another model', () => {
    const { tests } = parse(
      model(
        '    columns:\n      - name: customer_id\n        tests:\n          - relationships: {to: customers, field: id}\n          - relationships: {to: orders, field: id}\n          - not_null\n',
      ),
    );
    expect(tests.map(otherRelationsRead)).toEqual([['customers'], [], []]);
  });
});

describe('bad arguments are named at their line', () => {
  it.each<[string, string]>([
    [
      '    columns:\n      - name: amount\n        tests: [{accepted_range: {inclusive: true}}]\n',
      "models/schema.yml:5:34: accepted_range needs 'min_value' or 'max_value' (or both)",
    ],
    [
      '    columns:\n      - name: amount\n        tests:\n          - accepted_range: {min_value: 0, inclusive: "yes"}\n',
      "models/schema.yml:6:55: 'inclusive' must be true or false",
    ],
    [
      '    columns:\n      - name: amount\n        tests:\n          - accepted_range: {min_value: true}\n',
      'models/schema.yml:6:41: min_value must be a number or a SQL expression (a string), got a boolean',
    ],
    [
      '    columns:\n      - name: amount\n        tests:\n          - accepted_range: {min_value: 10, max_value: 1}\n',
      'models/schema.yml:6:29: accepted_range: min_value 10 is greater than max_value 1',
    ],
    [
      '    tests: [{accepted_range: {min_value: 0}}]\n',
      "models/schema.yml:3:13: accepted_range needs a column: put it under the column, or give 'column_name'",
    ],
    [
      '    tests: [unique_combination_of_columns]\n',
      "models/schema.yml:3:13: unique_combination_of_columns needs 'combination_of_columns', a non-empty list of column names",
    ],
    [
      '    tests:\n      - unique_combination_of_columns: {combination_of_columns: id}\n',
      "models/schema.yml:4:65: unique_combination_of_columns needs 'combination_of_columns', a non-empty list of column names",
    ],
    [
      '    tests:\n      - unique_combination_of_columns: {combination_of_column: [id]}\n',
      "models/schema.yml:4:41: unknown key 'combination_of_column' in test 'unique_combination_of_columns' (did you mean 'combination_of_columns'?)",
    ],
    [
      '    columns:\n      - name: id\n        tests: [not_empty]\n',
      "models/schema.yml:5:17: not_empty is a model-level test: put it under the model's tests",
    ],
    [
      '    columns:\n      - name: id\n        tests: [{unique_combination_of_columns: {combination_of_columns: [id]}}]\n',
      "models/schema.yml:5:17: unique_combination_of_columns is a model-level test: put it under the model's tests",
    ],
    [
      '    tests: [{dbt_utils.expression_is_true: {}}]\n',
      "models/schema.yml:3:44: 'expression' is required",
    ],
    [
      '    tests: [dbt_utils.acepted_range]\n',
      "models/schema.yml:3:13: unknown test 'dbt_utils.acepted_range' (did you mean 'dbt_utils.accepted_range'?)",
    ],
    [
      '    tests: [{not_empty: {config: {store_failures: true}}}]\n',
      "models/schema.yml:3:35: unknown key 'store_failures' in the config of test 'not_empty'",
    ],
    [
      '    tests: [{not_empty: {config: {severity: fatal}}}]\n',
      `models/schema.yml:3:45: severity must be 'warn' or 'error', got "fatal"`,
    ],
  ])('%j', (body, expected) => {
    expect(parse(model(body)).errors.join('\n')).toContain(expected);
  });
});

describe('the SQL of the failing rows', () => {
  const sql = (body: string): string => {
    const [test] = parse(model(body)).tests;
    return failingRowsSql(test!, 'main.orders', (n) => `main.${n}`).split('\n')[1]!;
  };

  it.each<[string, string]>([
    [
      '    tests: [{expression: "amount > 0"}]\n',
      'SELECT * FROM etl_scoped WHERE NOT (amount > 0)',
    ],
    [
      '    columns:\n      - name: amount\n        tests: [{accepted_range: {min_value: 0, max_value: 9, inclusive: false}}]\n',
      'SELECT * FROM etl_scoped WHERE NOT ("amount" > (0)) OR NOT ("amount" < (9))',
    ],
    [
      '    tests: [{unique_combination_of_columns: {combination_of_columns: [a, b]}}]\n',
      'SELECT "a", "b", count(*) AS occurrences FROM etl_scoped GROUP BY "a", "b" HAVING count(*) > 1',
    ],
    ['    tests: [not_empty]\n', 'SELECT 1 AS empty WHERE NOT EXISTS (SELECT 1 FROM etl_scoped)'],
  ])('%j', (body, expected) => {
    expect(sql(body)).toBe(expected);
  });
});
