import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildProject, defaultBuildDate } from '../../core/api/build.js';
import { openDuckDB } from '../../core/engine/duckdb.js';
import type { Engine } from '../../core/engine/adapter.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { runCli } from '../helpers/run-cli.js';
import { queryFile } from '../helpers/duckdb.js';

let project: TempProject | undefined;
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  project?.cleanup();
  project = undefined;
  engine = undefined;
});

/** Build `files` on an in-memory DuckDB and return the rows of `sql`. */
async function buildAndQuery(
  files: Record<string, string>,
  sql: string,
  options: { vars?: Record<string, unknown>; date?: number } = {},
) {
  project = tempProject(files);
  engine = await openDuckDB(':memory:');
  const { summary } = await buildProject({
    project: project.root,
    target: 'duckdb::memory:',
    engine,
    date: options.date ?? Date.UTC(2024, 0, 15),
    vars: options.vars ?? {},
  });
  expect(summary.failures).toEqual([]);
  const conn = await engine.connect();
  try {
    return await conn.query(sql);
  } finally {
    await conn.close();
  }
}

describe('template context', () => {
  it('var() delivers quotes, backslashes and semicolons as the exact string', async () => {
    const nasty = `it's a "test"; DROP TABLE x; -- \\ \\' ''`;
    const rows = await buildAndQuery(
      {
        'models/m.sql':
          "{{ config(materialized='table') }} select {{ var('s') | sql }} as s, {{ var('n') }} as n, {{ var('b') }} as b, {{ literal(var('missing', 'dflt')) }} as d",
      },
      'select * from main.m',
      { vars: { s: nasty, n: 42.5, b: true } },
    );
    expect(rows).toEqual([{ s: nasty, n: 42.5, b: true, d: 'dflt' }]);
  });

  it('start, end, ds and this render as SQL literals of the window', async () => {
    const rows = await buildAndQuery(
      {
        'models/h.sql':
          "{{ config(materialized='incremental', time_column='s', grain='hour') }} select {{ start }} as s, {{ end }} as e, DATE '{{ ds }}' as d, '{{ this }}' as me, {{ is_incremental() }} as inc",
      },
      "select strftime(s, '%Y-%m-%d %H') as s, strftime(e, '%Y-%m-%d %H') as e, d::varchar as d, me, inc from main.h order by s limit 2",
    );
    expect(rows).toEqual([
      { s: '2024-01-15 00', e: '2024-01-15 01', d: '2024-01-15', me: '"main"."h"', inc: false },
      { s: '2024-01-15 01', e: '2024-01-15 02', d: '2024-01-15', me: '"main"."h"', inc: true },
    ]);
  });

  it('source() reads declared tables and files', async () => {
    const rows = await buildAndQuery(
      {
        'etl.yml':
          'sources:\n  files:\n    people: { path: data/people.csv }\n  db:\n    people_table: { table: main.people_seed }\n',
        'data/people.csv': 'id,name\n1,ada\n2,grace\n',
        'seeds/people_seed.csv': 'id,name\n3,edsger\n',
        'models/people.sql':
          "{{ config(materialized='table') }} select * from {{ source('files', 'people') }} union all select * from {{ source('db', 'people_table') }}",
        'models/dep.sql':
          "{{ config(materialized='table') }} select count(*) as n from {{ ref('people_seed') }}",
      },
      'select name from main.people order by id',
    );
    expect(rows.map((r) => r.name)).toEqual(['ada', 'grace', 'edsger']);
  });

  it('an unknown source is an error with a suggestion', () => {
    project = tempProject({
      'etl.yml': 'sources:\n  raw:\n    events: { table: raw.events }\n',
      'models/m.sql': "select * from {{ source('raw', 'event') }}",
    });
    const result = runCli(['compile'], project.root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown source 'raw.event' (did you mean 'events'?)");
    expect(result.stderr).toContain('--> models/m.sql:1:');
  });

  it('seed column_types override the sniffed types', async () => {
    const rows = await buildAndQuery(
      {
        'etl.yml':
          "seeds:\n  prices:\n    column_types: { price: 'DECIMAL(10,2)', code: VARCHAR }\n",
        'seeds/prices.csv': 'code,price\n007,1.5\n010,2.25\n',
      },
      "select column_name, data_type from information_schema.columns where table_name = 'prices' order by ordinal_position",
    );
    expect(rows).toEqual([
      { column_name: 'code', data_type: 'VARCHAR' },
      { column_name: 'price', data_type: 'DECIMAL(10,2)' },
    ]);
  });
});

describe('targets and flags', () => {
  const files = { 'models/m.sql': "{{ config(materialized='table') }} select 1 as x" };

  it('--target beats ETL_TARGET, which beats etl.yml, which beats the default', async () => {
    project = tempProject({ ...files, 'etl.yml': 'target: duckdb:from-yml.duckdb\n' });
    const p = project;
    expect(runCli(['build'], p.root).code).toBe(0);
    expect(existsSync(join(p.root, 'from-yml.duckdb'))).toBe(true);
    expect(runCli(['build'], p.root, { ETL_TARGET: 'duckdb:from-env.duckdb' }).code).toBe(0);
    expect(existsSync(join(p.root, 'from-env.duckdb'))).toBe(true);
    expect(
      runCli(['build', '--target', 'duckdb:from-flag.duckdb'], p.root, {
        ETL_TARGET: 'duckdb:from-env.duckdb',
      }).code,
    ).toBe(0);
    expect(await queryFile(join(p.root, 'from-flag.duckdb'), 'select x from main.m')).toEqual([
      { x: 1 },
    ]);
  });

  it('--project runs a project from elsewhere; compile --out writes one file per model', () => {
    project = tempProject(files);
    const out = join(project.root, 'compiled');
    const result = runCli(['--project', project.root, 'compile', '--out', out], '/');
    expect(result.code).toBe(0);
    expect(readFileSync(join(out, 'models/m.sql'), 'utf8')).toContain('select\n  1 as x');
  });

  it('build without --date builds yesterday (UTC)', () => {
    expect(defaultBuildDate(Date.UTC(2024, 0, 16, 0, 30))).toBe(Date.UTC(2024, 0, 15));
    expect(defaultBuildDate(Date.UTC(2024, 0, 16, 23, 59))).toBe(Date.UTC(2024, 0, 15));
  });
});

describe('etl init', () => {
  it('writes a starter project that builds and passes its tests, and refuses to overwrite one', () => {
    project = tempProject({});
    const dir = join(project.root, 'starter');
    const init = runCli(['init', dir], project.root);
    expect(init.code).toBe(0);
    expect(init.stderr).toContain('models/marts/daily_revenue.sql');
    expect(runCli(['build', '--date', '2024-01-02'], dir).code).toBe(0);
    const tested = runCli(['test'], dir);
    expect(tested.code).toBe(0);
    expect(tested.stdout).toMatch(/\n6 passed, 0 failed\n$/);
    const again = runCli(['init', dir], project.root);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already holds a project');
  });
});
