import { describe, expect, it } from 'vitest';
import { compileErrors, compileFiles } from '../helpers/compile.js';
import { renderModel } from '../../core/compile/compile-project.js';
import { windowContaining } from '../../core/time/window.js';

const VARS = {
  vars: {
    country: 'NL',
    hostile: `it's "x"; DROP TABLE t; -- \\ ''`,
    n: 42.5,
    flag: false,
    on: true,
    none: null,
    list: ['a', "b'c"],
    nums: [1, 2],
    map: { k: 'v', x: 1 },
  },
};

/** The SQL `template` renders as a table model, for the window of 2024-03-05 13:00 (hour). */
function render(template: string, env: Record<string, string> = {}): string {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const compiled = compileFiles({
      'etl.yml': `vars: ${JSON.stringify(VARS.vars)}\n`,
      'models/m.sql': `{{ config(materialized='table') }}${template}`,
    });
    const model = compiled.nodes.get('m');
    if (model?.kind !== 'model') throw new Error('no model');
    return renderModel(compiled, model, {
      window: windowContaining(Date.UTC(2024, 2, 5, 13), 'hour'),
      isIncremental: false,
    });
  } finally {
    process.env = saved;
  }
}

describe('template values render as dbt and Airflow users expect', () => {
  it.each([
    // var() gives the value as given
    [`'{{ var("country") }}'`, `'NL'`],
    [`{{ var('n') }}`, `42.5`],
    [`{% if var('country') == 'NL' %}yes{% else %}no{% endif %}`, `yes`],
    [`{% if var('env', 'dev') == 'dev' %}dev{% endif %}`, `dev`],
    [`{% if var('flag') %}t{% else %}f{% endif %}`, `f`],
    [`{% if var('missing', false) %}t{% else %}f{% endif %}`, `f`],
    [`{% for x in var('list') %}[{{ x }}]{% endfor %}`, `[a][b'c]`],
    [`{% for k, v in var('map').items() %}{{ k }}={{ v }},{% endfor %}`, `k=v,x=1,`],
    [`{{ var('list') | length }}`, `2`],
    // literal() and the sql filter: safely quoted SQL
    [`{{ literal(var('country')) }}`, `'NL'`],
    [`{{ var('hostile') | sql }}`, `'it''s "x"; DROP TABLE t; -- \\ '''''`],
    [`{{ literal(var('n')) }}`, `42.5`],
    [`{{ literal(var('on')) }} {{ var('flag') | sql }}`, `TRUE FALSE`],
    [`{{ literal(var('none')) }}`, `NULL`],
    [`{{ literal(var('list')) }}`, `('a', 'b''c')`],
    [`{{ var('nums') | sql }}`, `(1, 2)`],
    // Airflow's raw strings; start/end stay typed literals
    [
      `'{{ ds }}' '{{ ds_nodash }}' '{{ ts }}'`,
      `'2024-03-05' '20240305' '2024-03-05T13:00:00+00:00'`,
    ],
    [`{{ start }} {{ end }}`, `TIMESTAMP '2024-03-05 13:00:00' TIMESTAMP '2024-03-05 14:00:00'`],
    [`'{{ start_ts }}' '{{ end_ts }}'`, `'2024-03-05T13:00:00' '2024-03-05T14:00:00'`],
    // target, env_var, log, do, Jinja-compat methods
    [`{{ target.type }} {{ target.schema }} {{ target.name }}`, `duckdb main default`],
    [`{{ env_var('ETL_T_SET') }}`, `from-env`],
    [`{{ env_var('ETL_T_UNSET', 'dflt') }}`, `dflt`],
    [`{{ log('hello') }}x`, `x`],
    [`{% set xs = [] %}{% do xs.append(1) %}{% do xs.append(2) %}{{ xs | join(',') }}`, `1,2`],
    [`{{ 'abc'.upper() }} {{ ' a '.strip() }}|{{ 'a-b-c'.replace('-', '_') }}`, `ABC a|a_b_c`],
    [`{{ 'a b  c'.split() | length }} {{ ', '.join(['x', 'y']) }}`, `3 x, y`],
    [`{{ [1, 2, 3, 4][1:3] | join(',') }} {{ 'hello'[:2] }}`, `2,3 he`],
    [`{% if True and not False and None is none %}ok{% endif %}`, `ok`],
    [`{{ 'x'.startswith('x') }} {{ {'a': 1}.get('b', 7) }}`, `true 7`],
  ])('%s → %s', (template, sql) => {
    expect(render(template, { ETL_T_SET: 'from-env' })).toBe(sql);
  });

  it('a list var appended to in one render is whole again in the next', () => {
    const compiled = compileFiles({
      'etl.yml': 'vars: { xs: [1] }\n',
      'models/m.sql': `{{ config(materialized='table') }}{% set v = var('xs') %}{% do v.append(9) %}{{ v | join(',') }}`,
    });
    const model = compiled.nodes.get('m');
    if (model?.kind !== 'model') throw new Error('no model');
    const window = windowContaining(Date.UTC(2024, 0, 1), 'day');
    expect(renderModel(compiled, model, { window, isIncremental: false })).toBe('1,9');
    expect(renderModel(compiled, model, { window, isIncremental: false })).toBe('1,9');
  });

  it.each([
    [
      `{{ env_var('ETL_T_NEVER_SET') }}`,
      `models/m.sql:1:.*environment variable 'ETL_T_NEVER_SET' is not set`,
    ],
    [`{{ literal([]) }}`, `models/m.sql:1:.*empty list`],
    [`{{ var('nope') }}`, `models/m.sql:1:.*var 'nope' is not set`],
  ])('%s is a compile error naming the model', (template, pattern) => {
    const errors = compileErrors({ 'models/m.sql': template });
    expect(errors.join('\n')).toMatch(new RegExp(pattern));
  });
});
