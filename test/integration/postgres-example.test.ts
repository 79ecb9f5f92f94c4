import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExampleProject } from '../helpers/example-project.js';
import { freshDatabase } from '../helpers/postgres.js';
import { queryFile } from '../helpers/duckdb.js';
import { runCli } from '../helpers/run-cli.js';
import { readStatus } from '../helpers/status-json.js';

/**
 * The example warehouse, unchanged, on both engines: the same backfill on a DuckDB file and on
 * a PostgreSQL database ends with the same relations holding the same rows; `etl test` and
 * `etl verify` pass on PostgreSQL, and `status` tells the same windows done.
 */
let example: ReturnType<typeof copyExampleProject>;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let pgTarget: string;
const RANGE = ['--from', '2024-01-01', '--to', '2024-01-21'];
const UNTIL = ['--until', '2024-01-21'];

beforeAll(async () => {
  example = copyExampleProject();
  db = await freshDatabase();
  pgTarget = `${db.url}?schema=analytics`;
});

afterAll(async () => {
  await db.drop();
  example.cleanup();
});

/** Every relation the example builds (seeds, views, tables), by name, with its columns. */
async function duckdbRelations(): Promise<Map<string, string[]>> {
  const rows = await queryFile(
    join(example.root, 'warehouse.duckdb'),
    `SELECT table_name AS t, column_name AS c FROM information_schema.columns
     WHERE table_schema = 'main' ORDER BY table_name, ordinal_position`,
  );
  const relations = new Map<string, string[]>();
  for (const r of rows) {
    const t = String(r.t);
    relations.set(t, [...(relations.get(t) ?? []), String(r.c)]);
  }
  return relations;
}

/** Every relation the example builds holds the same rows on both engines. */
async function expectSameRelations(): Promise<void> {
  const relations = await duckdbRelations();
  expect(relations.size).toBeGreaterThanOrEqual(16);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    for (const [table, columns] of relations) {
      const expected = sorted(
        await queryFile(join(example.root, 'warehouse.duckdb'), rowsSql('main', table, columns)),
      );
      const actual = sorted(
        (await client.query<Record<string, unknown>>(rowsSql('analytics', table, columns))).rows,
      );
      expect(actual.length, table).toBe(expected.length);
      expect(actual, table).toEqual(expected);
    }
  } finally {
    await client.end();
  }
}

/** A relation's rows with every value cast to text (the same text on both engines), sorted. */
function rowsSql(schema: string, table: string, columns: readonly string[]): string {
  return `SELECT ${columns.map((c) => `CAST("${c}" AS TEXT) AS "${c}"`).join(', ')} FROM "${schema}"."${table}"`;
}

/**
 * Rows as sorted strings. Numbers compare by value: DOUBLE columns print `13.0` on DuckDB and
 * `13` on PostgreSQL.
 */
function sorted(rows: Record<string, unknown>[]): string[] {
  const value = (v: unknown) =>
    typeof v === 'string' && /^-?\d+\.\d+$/.test(v) ? String(Number(v)) : v;
  return rows.map((r) => JSON.stringify(Object.values(r).map(value))).sort();
}

describe('the example warehouse on PostgreSQL', () => {
  it('backfills, tests and verifies with the same tables as on DuckDB', async () => {
    const onDuckdb = runCli(['backfill', ...RANGE], example.root);
    expect(onDuckdb.code, onDuckdb.stderr).toBe(0);
    const onPostgres = runCli(['backfill', ...RANGE, '--target', pgTarget], example.root);
    expect(onPostgres.code, onPostgres.stderr).toBe(0);

    await expectSameRelations();

    const duckStatus = readStatus(runCli(['status', '--json', ...UNTIL], example.root).stdout);
    const pgStatus = readStatus(
      runCli(['status', '--json', ...UNTIL, '--target', pgTarget], example.root).stdout,
    );
    const done = (s: unknown) =>
      (s as { models: { name: string; done: string[] }[] }).models.map((m) => [m.name, m.done]);
    expect(done(pgStatus)).toEqual(done(duckStatus));

    // etl docs reads the same windows and runs from the PostgreSQL ledger.
    const docs = runCli(
      ['docs', '--json', '--out', join(example.root, 'pg-docs'), '--target', pgTarget],
      example.root,
    );
    expect(docs.code, docs.stderr).toBe(0);
    const html = readFileSync((JSON.parse(docs.stdout) as { index: string }).index, 'utf8');
    const site = JSON.parse(
      /<script type="application\/json" id="etl-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '{}',
    ) as {
      partitions: { name: string; counts: { done: number }; details: { start: number[] } }[];
      runs: { command: string; status: string; windows: number }[];
      warehouse_note: string | null;
    };
    expect(site.warehouse_note).toBeNull();
    const fct = site.partitions.find((p) => p.name === 'fct_orders');
    expect(fct?.counts.done).toBe(21);
    expect(fct?.details.start).toHaveLength(21);
    expect(site.runs[0]).toMatchObject({ command: 'backfill', status: 'success' });
    expect(site.runs[0]?.windows).toBeGreaterThan(21);

    // etl test builds in memory whatever the target: three weeks of the seeds are enough here.
    const tested = runCli(['test', ...RANGE, '--target', pgTarget], example.root);
    expect(tested.code, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toMatch(/\d+ passed, 0 failed/);

    const verified = runCli(['verify', ...RANGE, '--json', '--target', pgTarget], example.root);
    expect(verified.code, verified.stderr).toBe(0);
    const summary = JSON.parse(verified.stdout) as { matched: number; mismatched: number };
    expect(summary.mismatched).toBe(0);
    expect(summary.matched).toBeGreaterThan(500);

    // Built again, nothing changes: every window is done.
    const again = runCli(['backfill', ...RANGE, '--json', '--target', pgTarget], example.root);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { partitions: { built: number } }).partitions.built).toBe(
      0,
    );

    // A seed edited: on PostgreSQL its table is replaced under the views that read it, which
    // are kept; both engines rebuild the same windows and end equal again.
    const products = join(example.root, 'seeds', 'raw_products.csv');
    writeFileSync(products, readFileSync(products, 'utf8').replace(',Cotton T-Shirt,', ',Tee,'));
    for (const target of [[], ['--target', pgTarget]]) {
      const edited = runCli(['backfill', ...RANGE, ...target], example.root);
      expect(edited.code, edited.stderr).toBe(0);
    }
    await expectSameRelations();
    // Ten whole CLI runs on two engines: slower than one test's default on a loaded machine.
  }, 180_000);
});
