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

const SCHEMA = `version: 2
sources:
  - name: raw
    schema: landing
    loaded_at_field: loaded_at
    freshness:
      warn_after: {count: 2, period: hour}
      error_after: {count: 1, period: day}
    tables:
      - name: orders
        identifier: orders_v2
        description: orders as the shop writes them
      - name: customers
        freshness: null
      - name: stale
        freshness:
          warn_after: {count: 10, period: minute}
      - name: old
`;

/** A warehouse whose landing schema the sources read, rows loaded `ages` hours ago. */
async function landing(p: TempProject, ages: { orders: number; stale: number; old: number }) {
  await queryFile(
    p.warehouse,
    `create schema landing;
     create table landing.orders_v2 as select 1 as id, 10 as customer_id, timezone('UTC', now()) - interval ${ages.orders} hour as loaded_at;
     create table landing.customers as select 10 as id, 'ada' as name;
     create table landing.stale as select 1 as id, now() - interval ${ages.stale} hour as loaded_at;
     create table landing.old as select 1 as id, (now() - interval ${ages.old} hour)::date as loaded_at;`,
  );
}

function make(): TempProject {
  project = tempProject({
    'models/sources.yml': SCHEMA,
    'models/stg_orders.sql': `{{ config(materialized='table') }}select o.id, c.name from {{ source('raw', 'orders') }} o join {{ source('raw', 'customers') }} c on c.id = o.customer_id`,
    'models/order_count.sql': `{{ config(materialized='table') }}select count(*) as n from {{ ref('stg_orders') }}`,
    'models/other.sql': `{{ config(materialized='table') }}select 1 as x`,
  });
  return project;
}

describe('sources declared in schema files', () => {
  it('are read by source() at schema.identifier, and selected with source:', async () => {
    const p = make();
    await landing(p, { orders: 0, stale: 0, old: 0 });
    const built = runCli(['build', '--date', '2024-01-15', '-s', 'source:raw.orders+'], p.root);
    expect(built.stderr).toMatch(/stg_orders/);
    expect(built.code).toBe(0);
    expect(await queryFile(p.warehouse, 'select * from main.order_count')).toEqual([{ n: '1' }]);
    // `other` reads no source: it was not selected.
    expect(
      await queryFile(
        p.warehouse,
        "select count(*) as n from information_schema.tables where table_name = 'other'",
      ),
    ).toEqual([{ n: '0' }]);
  });

  it('`etl source freshness` passes, warns (exit 0) and errors (exit 1) by age', async () => {
    const p = make();
    await landing(p, { orders: 0, stale: 1, old: 72 });
    const fresh = runCli(['source', 'freshness', '-s', 'raw.orders', '--json'], p.root);
    expect(fresh.code).toBe(0);
    const json = JSON.parse(fresh.stdout) as {
      sources: { source: string; status: string; age_seconds: number }[];
    };
    expect(json.sources).toMatchObject([{ source: 'raw.orders', status: 'pass' }]);
    expect(json.sources[0]!.age_seconds).toBeLessThan(600);

    const warn = runCli(['source', 'freshness', '-s', 'raw.stale'], p.root);
    expect(warn.code).toBe(0);
    expect(warn.stdout).toMatch(
      /^WARN {2}raw\.stale {2}newest row .* 1 h old {2}\(warn after 10 min\)/m,
    );

    const all = runCli(['source', 'freshness'], p.root);
    expect(all.code).toBe(1);
    expect(all.stdout).toMatch(/^PASS {2}raw\.orders/m);
    expect(all.stdout).toMatch(
      /^ERROR raw\.old {2}newest row .* old {2}\(warn after 2 h, error after 24 h\)/m,
    );
    // freshness: null turns the group's rule off for that table
    expect(all.stdout).not.toMatch(/raw\.customers/);
  });

  it('a missing table is a runtime error (exit 1); an unknown source a usage error (exit 2)', async () => {
    const p = make();
    await queryFile(p.warehouse, 'create schema landing');
    const missing = runCli(['source', 'freshness', '-s', 'raw.orders'], p.root);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/ERROR raw\.orders .*orders_v2/);
    const unknown = runCli(['source', 'freshness', '-s', 'raw.ordes'], p.root);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no source 'raw\.ordes' \(did you mean 'raw\.orders'\?\)/);
  });

  it('are nodes of `etl dag`, with the models that read them', () => {
    const p = make();
    const json = JSON.parse(runCli(['dag', '--json'], p.root).stdout) as {
      nodes: { name: string; kind: string; depends_on: string[] }[];
    };
    const byName = new Map(json.nodes.map((n) => [n.name, n]));
    expect(byName.get('raw.orders')).toMatchObject({ kind: 'source', depends_on: [] });
    expect(byName.get('stg_orders')?.depends_on).toEqual(['raw.orders', 'raw.customers']);
    const text = runCli(['dag', '-s', 'order_count'], p.root).stdout;
    expect(text).not.toMatch(/raw\.orders/);
    const sub = runCli(['dag', '-s', '+order_count', '--format', 'mermaid'], p.root).stdout;
    expect(sub).toContain('raw__orders --> stg_orders');
  });

  it('bad declarations are errors at their line', () => {
    const errors = compileErrors({
      'models/s.yml': `sources:
  - name: raw
    freshness:
      warn_after: {count: 2, period: fortnight}
    tables:
      - name: a
        identifer: x
`,
      'models/m.sql': `select * from {{ source('raw', 'a') }}`,
    });
    expect(errors.join('\n')).toMatch(/models\/s\.yml:4:\d+: 'period' must be minute, hour or day/);
    expect(errors.join('\n')).toMatch(
      /models\/s\.yml:7:\d+: unknown key 'identifer' .*did you mean 'identifier'/,
    );
  });

  it('a source declared in etl.yml and a schema file is an error', () => {
    const errors = compileErrors({
      'etl.yml': 'sources:\n  raw:\n    orders: { table: landing.orders }\n',
      'models/s.yml': 'sources:\n  - name: raw\n    tables:\n      - name: orders\n',
      'models/m.sql': `select * from {{ source('raw', 'orders') }}`,
    });
    expect(errors.join('\n')).toMatch(/source 'raw\.orders' is declared twice: also at etl\.yml/);
  });
});
