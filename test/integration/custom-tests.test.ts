import { afterEach, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { runCli } from '../helpers/run-cli.js';
import { queryFile } from '../helpers/duckdb.js';
import { compileErrors } from '../helpers/compile.js';

let project: TempProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

function make(amount2: string): TempProject {
  project = tempProject({
    'seeds/sales.csv': `id,day,amount,region\n1,2024-01-01,5,EU\n2,2024-01-02,${amount2},EU\n3,2024-01-03,7,US\n`,
    'seeds/regions.csv': 'code\nEU\nUS\n',
    'macros/tests.sql': `{% test is_positive(model, column_name) %}
select * from {{ model }} where {{ column_name }} <= 0
{% endtest %}`,
    'tests/generic/in_table.sql': `{% test in_table(model, column_name, table, field='code') -%}
with known as (select {{ field }} as v from {{ ref(table) }})
select * from {{ model }} where {{ column_name }} not in (select v from known)
{%- endtest %}`,
    'models/daily.sql': `{{ config(materialized='incremental', time_column='day', start='2024-01-01') }}
select cast(day as date) as day, amount, region from {{ ref('sales') }}
where day >= {{ start }} and day < {{ end }}`,
    'models/schema.yml': `models:
  - name: daily
    columns:
      - name: amount
        tests: [is_positive]
      - name: region
        tests:
          - in_table: {table: regions}
`,
  });
  return project;
}

describe('custom generic tests ({% test %} in macros/ or tests/generic/)', () => {
  it('run with the built-in ones: in the window, and after the build when they ref others', () => {
    const p = make('6');
    const ok = runCli(['backfill', '--from', '2024-01-01', '--to', '2024-01-03'], p.root);
    expect(ok.code).toBe(0);
    const tested = runCli(['test'], p.root);
    expect(tested.stdout).toMatch(/PASS .*is_positive\(daily\.amount\)/);
    expect(tested.stdout).toMatch(/PASS .*in_table\(daily\.region\)/);
    expect(tested.code).toBe(0);
  });

  it("a failing window is rolled back and named; the test's SQL is checked at compile", async () => {
    const p = make('-1');
    const bad = runCli(['backfill', '--from', '2024-01-01', '--to', '2024-01-03'], p.root);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/is_positive\(daily\.amount\)/);
    expect(
      await queryFile(p.warehouse, 'select count(*) as n, min(amount) as lo from main.daily'),
    ).toEqual([{ n: '2', lo: '5' }]);
    const tested = runCli(['test'], p.root);
    expect(tested.stdout).toMatch(/FAIL .*is_positive\(daily\.amount\)[\s\S]*1 failing row/);
    expect(tested.code).toBe(1);
  });

  it('an unknown test names the custom ones; a bad macro is an error at its file', () => {
    const base = {
      'macros/t.sql': `{% test is_positive(model, column_name) %}select * from {{ model }} where {{ nope(column_name) }}{% endtest %}`,
      'models/m.sql': `{{ config(materialized='table') }}select 1 as x`,
    };
    const unknown = compileErrors({
      ...base,
      'models/s.yml':
        'models:\n  - name: m\n    columns:\n      - name: x\n        tests: [is_postive]\n',
    });
    expect(unknown.join('\n')).toMatch(
      /unknown test 'is_postive' \(did you mean 'is_positive'\?\)/,
    );
    const broken = compileErrors({
      ...base,
      'models/s.yml':
        'models:\n  - name: m\n    columns:\n      - name: x\n        tests: [is_positive]\n',
    });
    expect(broken.join('\n')).toMatch(/macros\/t\.sql:1:\d+: .*nope/);
  });
});
