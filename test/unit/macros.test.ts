import { describe, expect, it } from 'vitest';
import { compileErrors, compileFiles } from '../helpers/compile.js';
import { renderModel } from '../../core/compile/compile-project.js';
import { windowContaining } from '../../core/time/window.js';
import type { CompiledGraph } from '../../core/compile/compiled-graph.js';

const window = windowContaining(Date.UTC(2024, 0, 1), 'day');

function sqlOf(compiled: CompiledGraph, name: string): string {
  const model = compiled.nodes.get(name);
  if (model?.kind !== 'model') throw new Error(`no model ${name}`);
  return renderModel(compiled, model, { window, isIncremental: false });
}

const MACROS = {
  'macros/money.sql': `{% macro cents_to_dollars(col, scale=2) %}round({{ col }} / 100.0, {{ scale }}){% endmacro %}
{% macro orders_table() %}{{ ref('orders') }}{% endmacro %}`,
  'macros/nested/where.sql': `{% macro region_filter() -%}
region = {{ var('region', 'EU') | sql }} and {{ cents_to_dollars('x') }} > 0
{%- endmacro %}
{% macro me() %}{{ this }}{% endmacro %}`,
  'seeds/orders.csv': 'id,amount\n1,100\n',
};

describe('macros/ is loaded for every model', () => {
  it('macros are callable without an import, with the model context, across files', () => {
    const compiled = compileFiles({
      ...MACROS,
      'models/m.sql': `{{ config(materialized='table') }}select {{ cents_to_dollars('amount') }} from {{ orders_table() }} where {{ region_filter() }} -- {{ me() }}`,
    });
    expect(sqlOf(compiled, 'm')).toBe(
      // Ending in a line comment, it ends in a line break (the next statement is not commented out).
      `select round(amount / 100.0, 2) from "main"."orders" where region = 'EU' and round(x / 100.0, 2) > 0 -- "main"."m"\n`,
    );
    // ref() inside a macro is a dependency of the model that calls it
    const m = compiled.nodes.get('m');
    expect(m?.kind === 'model' ? m.refs : []).toEqual(['orders']);
  });

  it('config() called from a macro configures the model', () => {
    const compiled = compileFiles({
      'macros/cfg.sql': `{% macro as_table() %}{{ config(materialized='table') }}{% endmacro %}`,
      'models/m.sql': `{{ as_table() }}select 1 as x`,
    });
    const m = compiled.nodes.get('m');
    expect(m?.kind === 'model' ? m.config.materialized : undefined).toBe('table');
  });

  it('a macro change changes the fingerprint of the models that use it, not the others', () => {
    const base = {
      'models/uses.sql': `{{ config(materialized='table') }}select {{ two() }} as x`,
      'models/other.sql': `{{ config(materialized='table') }}select 1 as x`,
    };
    const a = compileFiles({ ...base, 'macros/m.sql': '{% macro two() %}2{% endmacro %}' });
    const b = compileFiles({ ...base, 'macros/m.sql': '{% macro two() %}3{% endmacro %}' });
    const fp = (c: CompiledGraph, n: string) => c.nodes.get(n)?.fingerprint;
    expect(fp(a, 'uses')).not.toBe(fp(b, 'uses'));
    expect(fp(a, 'other')).toBe(fp(b, 'other'));
  });

  it("a macro's error points at the macro's file and line, and at the model that called it", () => {
    const errors = compileErrors({
      'macros/bad.sql': `{% macro broken() %}
select
  {{ no_such_function(1) }}
{% endmacro %}`,
      'models/m.sql': `{{ config(materialized='table') }}
select 1
-- {{ broken() }}`,
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^macros\/bad\.sql:3:\d+: .*no_such_function.*in macro broken, called from models\/m\.sql:3/,
    );
  });

  it('an unknown ref inside a macro is reported at the macro', () => {
    const errors = compileErrors({
      'macros/r.sql': `{% macro r() %}
{{ ref('nope') }}{% endmacro %}`,
      'models/m.sql': `select * from {{ r() }}`,
    });
    expect(errors.join('\n')).toMatch(/macros\/r\.sql:2:\d+: .*nope/);
  });

  it('a macro defined twice is an error naming both files', () => {
    const errors = compileErrors({
      'macros/a.sql': '{% macro x() %}1{% endmacro %}',
      'macros/b.sql': '{% macro x() %}2{% endmacro %}',
      'models/m.sql': 'select {{ x() }}',
    });
    expect(errors.join('\n')).toMatch(
      /macro 'x' is defined twice: in macros\/a\.sql and macros\/b\.sql/,
    );
  });

  it('errors on the first line of a model keep their column', () => {
    const errors = compileErrors({
      'macros/a.sql': '{% macro x() %}1{% endmacro %}',
      'models/m.sql': 'select {{ var("zzz") }}',
    });
    expect(errors[0]).toMatch(/^models\/m\.sql:1:(8|11): /);
  });

  it('a broken macro file is one error at its line, not one per model', () => {
    const errors = compileErrors({
      'macros/bad.sql': '{% macro m() %}\n  {{ 1 + }}\n{% endmacro %}',
      'models/a.sql': 'select 1 as x',
      'models/b.sql': 'select 2 as y',
    });
    expect(errors).toEqual([expect.stringMatching(/^macros\/bad\.sql:2:\d+: unexpected token/)]);
  });

  it("a macro named like etl's own functions is an error", () => {
    const errors = compileErrors({
      'macros/r.sql': '{% macro ref(x) %}1{% endmacro %}',
      'models/a.sql': 'select 1 as x',
    });
    expect(errors.join('\n')).toMatch(
      /macros\/r\.sql:1:\d+: macro 'ref' has the name of etl's own 'ref'/,
    );
  });

  it('an explicit import of a macro file still works (wave 1 projects)', () => {
    const compiled = compileFiles({
      'macros/m.sql': '{% macro two() %}2{% endmacro %}',
      'models/a.sql': `{% import 'macros/m.sql' as m %}{{ config(materialized='table') }}select {{ m.two() }} as x, {{ two() }} as y`,
    });
    expect(sqlOf(compiled, 'a')).toBe('select 2 as x, 2 as y');
    const a = compiled.nodes.get('a');
    expect(a?.kind === 'model' ? a.includes : []).toEqual(['macros/m.sql']);
  });

  it('an unquoted {{ ds }} is a warning naming the line; quoted ones are not', () => {
    const compiled = compileFiles({
      'models/a.sql': `{{ config(materialized='table') }}\nselect DATE '{{ ds }}' as d, '{{ds}}' as s,\n  {{ ds }} as oops`,
      'models/b.sql': `select {{ ds_nodash }} as n, {{ ds | sql }} as q`,
    });
    expect(compiled.warnings).toEqual([
      expect.stringMatching(/^models\/a\.sql:3: \{\{ ds \}\} is the raw string/),
    ]);
  });
});
