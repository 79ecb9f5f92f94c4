import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../core/project/load-project.js';
import { compileProject } from '../../core/compile/compile-project.js';
import { parseTarget } from '../../core/engine/target.js';
import { compileErrors, compileFiles } from '../helpers/compile.js';

describe('template errors name file:line:col', () => {
  it.each<[string, string, string]>([
    [
      'a syntax error',
      'select 1\nfrom t where {{ 1 + }}',
      'models/m.sql:2:21: unexpected token: }}',
    ],
    [
      'an undefined variable',
      'select 1\nfrom t\nwhere {{ foo }}',
      "models/m.sql:3:7: 'foo' is undefined",
    ],
    [
      'an undefined attribute',
      'select\n  {{ cfg.missing }}',
      "models/m.sql:2:3: 'cfg.missing' is undefined",
    ],
    [
      'an unknown function',
      'select {{ nope() }}',
      'models/m.sql:1:11: Unable to call `nope`, which is undefined or falsey',
    ],
    [
      'an unset var on line 1',
      "select {{ var('country') }}",
      "models/m.sql:1:11: var 'country' is not set",
    ],
    ['an unset var on line 3', "select 1\n\n  , {{ var('country') }}", 'models/m.sql:3:'],
    ['a bad ref() call', 'select * from {{ ref(1) }}', 'models/m.sql:1:'],
  ])('%s', (_name, sql, expected) => {
    const [error] = compileErrors({ 'models/m.sql': sql });
    expect(error).toContain(expected);
  });

  it('an unclosed block names the file, the line and column of the block that opened it', () => {
    const [error] = compileErrors({
      'models/m.sql':
        'select 1\n{% for x in [1] %}{% if true %}{% endif %}\n  {% if true %}\nwhere x',
    });
    expect(error).toBe(
      'models/m.sql:3:3: {% if %} is never closed (no {% endif %} before the end of the file)',
    );
  });

  it('an unknown ref has its line and a suggestion', () => {
    const errors = compileErrors({
      'models/stg_orders.sql': 'select 1 as id',
      'models/m.sql': "select *\nfrom {{ ref('stg_order') }}",
    });
    expect(errors).toEqual([
      "models/m.sql:2:9: model 'm' refers to unknown model or seed 'stg_order' [did you mean 'stg_orders'?]",
    ]);
  });

  it('reports every broken model at once', () => {
    const errors = compileErrors({
      'models/a.sql': 'select {{ 1 + }}',
      'models/b.sql': 'select {{ nope }}',
      'models/c.sql': "{{ config(grain='fortnight') }} select 1",
      'models/ok.sql': 'select 1',
    });
    expect(errors).toHaveLength(3);
    expect(errors.map((e) => e.split(':')[0])).toEqual([
      'models/a.sql',
      'models/b.sql',
      'models/c.sql',
    ]);
  });

  it('names the undefined expression on line 1 with macros as without (their imports come first)', () => {
    const model = 'select {{ None }}, {{ ds }}';
    const alone = compileErrors({ 'models/a.sql': model });
    const withMacros = compileErrors({
      'models/a.sql': model,
      'macros/m.sql': '{% macro unused_m(x) %}{{ x }}{% endmacro %}',
    });
    expect(alone).toEqual(["models/a.sql:1:8: 'None' is undefined"]);
    expect(withMacros).toEqual(alone);
  });

  it('an error in an included file names that file', () => {
    const errors = compileErrors({
      'macros/cols.sql': 'id,\n{{ nothing_here }}',
      'models/m.sql': "select\n{% include 'macros/cols.sql' %}\nfrom t",
    });
    expect(errors[0]).toMatch(/^macros\/cols\.sql:2:1: 'nothing_here' is undefined/);
  });
});

describe('config validation', () => {
  it.each<[string, string]>([
    [
      "{{ config(materialised='table') }}",
      "unknown config key 'materialised' (did you mean 'materialized'?)",
    ],
    [
      "{{ config(grain='fortnight', materialized='incremental', time_column='t') }}",
      "config grain='fortnight' is not one of hour, day, week, month",
    ],
    ["{{ config(materialized='incremental') }}", 'incremental model needs config time_column'],
    [
      "{{ config(materialized='snapshot') }}",
      "config materialized='snapshot' is not one of view, table, incremental",
    ],
    [
      "{{ config(materialized='incremental', time_column='t', lookback=-1) }}",
      "config 'lookback' must be an integer >= 0",
    ],
    [
      "{{ config(materialized='incremental', time_column='t', start='2024-13-01') }}",
      'config start="2024-13-01" is not a date',
    ],
    [
      "{{ config(materialized='incremental', time_column='t x') }}",
      "config 'time_column' must be a plain column",
    ],
    [
      "{{ config(materialized='table', time_column='t') }}",
      "config 'time_column' only applies to materialized='incremental'",
    ],
    [
      "{{ config(materialized='incremental', time_column='t', unique_key='id') }}",
      'sets both time_column and unique_key',
    ],
    ["{{ config('table') }}", 'config() takes keyword arguments only'],
  ])('%s', (header, expected) => {
    const [error] = compileErrors({ 'models/m.sql': `-- a model\n${header}\nselect 1 as t` });
    expect(error).toContain(expected);
    expect(error).toMatch(/^models\/m\.sql:2:\d+: /);
  });

  it('accepts a full incremental config', () => {
    const compiled = compileFiles({
      'models/m.sql':
        "{{ config(materialized='incremental', time_column='t', grain='hour', start='2024-01-01', lookback=2, batch_size=24, tags=['x'], schema='marts', description='d') }} select 1",
    });
    const node = compiled.nodes.get('m');
    expect(node?.kind === 'model' && node.config).toMatchObject({
      materialized: 'incremental',
      timeColumn: 't',
      grain: 'hour',
      start: Date.UTC(2024, 0, 1),
      lookback: 2,
      batchSize: 24,
      tags: ['x'],
    });
    expect(node?.relation).toBe('"marts"."m"');
  });
});

describe('graph errors', () => {
  it('a cycle prints its path', () => {
    const [error] = compileErrors({
      'models/a.sql': "select * from {{ ref('c') }}",
      'models/b.sql': "select * from {{ ref('a') }}",
      'models/c.sql': "select * from {{ ref('b') }}",
    });
    expect(error).toMatch(/dependency cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/);
  });

  it('a model that refs itself is told to use this', () => {
    const [error] = compileErrors({ 'models/a.sql': "select * from {{ ref('a') }}" });
    expect(error).toContain('use {{ this }}');
  });

  it('duplicate names across folders and with seeds', () => {
    const errors = compileErrors({
      'models/x/orders.sql': 'select 1',
      'models/y/orders.sql': 'select 2',
      'seeds/customers.csv': 'id\n1\n',
      'models/customers.sql': 'select 3',
    });
    expect(errors).toHaveLength(2);
    expect(errors.join('\n')).toContain(
      "duplicate name 'orders': defined by models/x/orders.sql and models/y/orders.sql",
    );
    expect(errors.join('\n')).toContain("duplicate name 'customers'");
  });

  it('a model name that would break quoting is refused', () => {
    const errors = compileErrors({
      'models/bad"name.sql': 'select 1',
      'models/9lives.sql': 'select 1',
    });
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain('is not a valid model or seed name');
  });
});

describe('includes stay inside the project', () => {
  const make = () => {
    const base = mkdtempSync(join(tmpdir(), 'etl-inc-'));
    const root = join(base, 'proj');
    mkdirSync(join(root, 'models'), { recursive: true });
    mkdirSync(join(base, 'proj2'), { recursive: true });
    writeFileSync(join(base, 'secret.sql'), 'select 42 as secret');
    writeFileSync(join(base, 'proj2', 'x.sql'), 'select 43 as sibling');
    mkdirSync(join(root, 'macros'));
    writeFileSync(join(root, 'macros', 'cols.sql'), 'id, name');
    const compile = () =>
      compileProject(loadProject(root), { target: parseTarget('duckdb::memory:', root) });
    return { base, root, compile, cleanup: () => rmSync(base, { recursive: true, force: true }) };
  };

  it.each([
    [
      "{% include '../../secret.sql' %}",
      'include outside the project is not allowed: ../secret.sql',
    ],
    [
      "{% include '../../proj2/x.sql' %}",
      'include outside the project is not allowed: ../proj2/x.sql',
    ],
    ["{% include 'models/../../secret.sql' %}", 'include outside the project is not allowed'],
    ["{% include '../proj2/x.sql' %}", 'template not found: proj2/x.sql'],
    ["{% include '/etc/hostname' %}", 'include outside the project is not allowed'],
    ["{% include 'macros/nope.sql' %}", 'template not found: macros/nope.sql'],
  ])('%s is refused', (include, expected) => {
    const p = make();
    try {
      writeFileSync(join(p.root, 'models', 'm.sql'), `select\n${include}`);
      expect(() => p.compile()).toThrow(expected);
    } finally {
      p.cleanup();
    }
  });

  it('a symlink that leads out of the project is refused', () => {
    const p = make();
    try {
      symlinkSync(join(p.base, 'secret.sql'), join(p.root, 'macros', 'link.sql'));
      writeFileSync(join(p.root, 'models', 'm.sql'), "select {% include 'macros/link.sql' %}");
      expect(() => p.compile()).toThrow(
        'include outside the project is not allowed: macros/link.sql',
      );
    } finally {
      p.cleanup();
    }
  });

  it('an include inside the project works and feeds the fingerprint', () => {
    const p = make();
    try {
      writeFileSync(
        join(p.root, 'models', 'm.sql'),
        "select {% include 'macros/cols.sql' %} from t",
      );
      const before = p.compile().nodes.get('m');
      expect(before?.kind === 'model' && before.includes).toEqual(['macros/cols.sql']);
      writeFileSync(join(p.root, 'macros', 'cols.sql'), 'id, name, email');
      const after = p.compile().nodes.get('m');
      expect(after?.fingerprint).not.toBe(before?.fingerprint);
    } finally {
      p.cleanup();
    }
  });
});

describe('fingerprints', () => {
  const files = {
    'models/a.sql': "{{ config(materialized='table') }} select 1 as x",
    'models/b.sql': "select * from {{ ref('a') }}",
    'models/c.sql': 'select 2 as y',
  };
  it('are stable, and change with the SQL, output config and upstream views only', () => {
    const base = compileFiles(files);
    const again = compileFiles(files);
    const fp = (g: typeof base, n: string) => g.nodes.get(n)?.fingerprint;
    expect(fp(again, 'b')).toBe(fp(base, 'b'));
    const edited = compileFiles({
      ...files,
      'models/a.sql': "{{ config(materialized='table') }} select 2 as x",
    });
    expect(fp(edited, 'a')).not.toBe(fp(base, 'a'));
    // b reads a table: a change of its data is b's input version, not b's definition.
    expect(fp(edited, 'b')).toBe(fp(base, 'b'));
    expect(fp(edited, 'c')).toBe(fp(base, 'c'));
    const reconfigured = compileFiles({
      ...files,
      'models/a.sql': "{{ config(materialized='view') }} select 1 as x",
    });
    expect(fp(reconfigured, 'a')).not.toBe(fp(base, 'a'));
    // Now a is a view: its definition is part of what b reads.
    const viewEdited = compileFiles({
      ...files,
      'models/a.sql': "{{ config(materialized='view') }} select 2 as x",
    });
    expect(fp(viewEdited, 'b')).not.toBe(fp(reconfigured, 'b'));
    // Comments, whitespace, descriptions and tags change nothing.
    const cosmetic = compileFiles({
      ...files,
      'models/a.sql':
        "-- the a table\n{{ config(materialized='table', tags=['x'], description='A') }}\nselect   1 /* one */ as x\n",
    });
    expect(fp(cosmetic, 'a')).toBe(fp(base, 'a'));
    expect(fp(compileFiles({ ...files, 'models/c.sql': "select 2 as y -- 'two'" }), 'c')).toBe(
      fp(base, 'c'),
    );
    // ...but whitespace inside a string is data.
    expect(fp(compileFiles({ ...files, 'models/c.sql': "select 'a  b' as y" }), 'c')).not.toBe(
      fp(compileFiles({ ...files, 'models/c.sql': "select 'a b' as y" }), 'c'),
    );
  });
});

describe('sources on a PostgreSQL target', () => {
  const files = {
    'etl.yml':
      'sources:\n  raw:\n    events: {path: data/events.parquet}\n    users: {table: app.users}\n',
    'models/m.sql': "select * from {{ source('raw', 'events') }}",
    'models/u.sql': "select * from {{ source('raw', 'users') }}",
  };

  it('a file source is an error naming the source and what to do', () => {
    const errors = compileErrors(files, 'postgres://etl@localhost/db');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(
      "models/m.sql:1:18: source 'raw.events' reads a file (path: data/events.parquet), which a PostgreSQL target cannot: load it into a table and declare the source with table: instead",
    );
  });

  it('a table source is the table', () => {
    const compiled = compileFiles(
      { ...files, 'models/m.sql': 'select 1 as x' },
      'postgres://etl@localhost/db',
    );
    expect(compiled.nodes.get('u')?.kind).toBe('model');
  });
});
