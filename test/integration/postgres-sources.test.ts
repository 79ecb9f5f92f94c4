import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { tempProject } from '../helpers/temp-project.js';
import { runCli } from '../helpers/run-cli.js';
import { freshDatabase } from '../helpers/postgres.js';

/**
 * Sources declared in a schema file, read by models and checked by `etl source freshness`, on
 * a real PostgreSQL server (timestamp and timestamptz loaded_at fields; the DuckDB suite is
 * sources.test.ts).
 */
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

describe('sources on PostgreSQL', () => {
  it('are read from schema.identifier and their freshness passes, warns and errors', async () => {
    const db = await freshDatabase();
    const project = tempProject({
      'models/sources.yml': `sources:
  - name: raw
    schema: landing
    loaded_at_field: loaded_at
    freshness:
      warn_after: {count: 2, period: hour}
      error_after: {count: 1, period: day}
    tables:
      - name: orders
        identifier: orders_v2
      - name: stale
      - name: old
`,
      'models/order_count.sql': `{{ config(materialized='table') }}select count(*) as n from {{ source('raw', 'orders') }}`,
    });
    cleanup.push(async () => {
      await db.drop();
      project.cleanup();
    });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(`create schema landing;
        create table landing.orders_v2 as select 1 as id, now() as loaded_at;
        create table landing.stale as select 1 as id, (now() at time zone 'UTC') - interval '3 hours' as loaded_at;
        create table landing.old as select 1 as id, now() - interval '3 days' as loaded_at;`);
    } finally {
      await client.end();
    }
    const env = { ETL_TARGET: `${db.url}?schema=main` };
    const built = runCli(['build', '--date', '2024-01-01'], project.root, env);
    expect(built.code, built.stderr).toBe(0);
    const fresh = runCli(['source', 'freshness', '--json'], project.root, env);
    expect(fresh.code).toBe(1);
    const json = JSON.parse(fresh.stdout) as {
      sources: { source: string; status: string; age_seconds: number }[];
    };
    expect(json.sources.map((s) => [s.source, s.status])).toEqual([
      ['raw.orders', 'pass'],
      ['raw.stale', 'warn'],
      ['raw.old', 'error'],
    ]);
    const ages = json.sources.map((s) => Math.round(s.age_seconds / 3600));
    expect(ages).toEqual([0, 3, 72]);
  });
});
