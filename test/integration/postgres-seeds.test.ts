import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadProject } from '../../core/project/load-project.js';
import { compileProject } from '../../core/compile/compile-project.js';
import type { CompiledGraph, CompiledSeed } from '../../core/compile/compiled-graph.js';
import type { Connection, Engine } from '../../core/engine/adapter.js';
import { openDuckDB } from '../../core/engine/duckdb.js';
import { openPostgres } from '../../core/engine/postgres.js';
import { parseTarget } from '../../core/engine/target.js';
import { ensureLedger } from '../../core/state/ledger-schema.js';
import { loadSeeds } from '../../core/materialize/seed.js';
import { EtlError } from '../../core/errors.js';
import { copyExampleProject } from '../helpers/example-project.js';
import { freshDatabase } from '../helpers/postgres.js';

/**
 * Seeds on PostgreSQL: read and typed by DuckDB in memory, copied in with COPY FROM STDIN,
 * swapped in and recorded in one transaction. The example's seeds end with the same columns,
 * types and values as on DuckDB.
 */
let example: ReturnType<typeof copyExampleProject>;
let db: Awaited<ReturnType<typeof freshDatabase>>;
const opened: { engine: Engine; conn: Connection }[] = [];

beforeAll(async () => {
  example = copyExampleProject();
  db = await freshDatabase();
});

afterAll(async () => {
  for (const { engine, conn } of opened) {
    await conn.close();
    await engine.close();
  }
  await db.drop();
  example.cleanup();
});

async function open(
  kind: 'duckdb' | 'postgres',
): Promise<{ conn: Connection; compiled: CompiledGraph }> {
  const url = kind === 'duckdb' ? 'duckdb::memory:' : db.url;
  const target = parseTarget(url, example.root);
  const engine =
    target.kind === 'duckdb'
      ? await openDuckDB(':memory:')
      : await openPostgres({ url: target.server, schema: target.schema }, url);
  const conn = await engine.connect();
  opened.push({ engine, conn });
  await ensureLedger(conn);
  return { conn, compiled: compileProject(loadProject(example.root), { target }) };
}

function seedsOf(compiled: CompiledGraph): { seed: CompiledSeed; fileHash: string }[] {
  return [...compiled.nodes.values()]
    .filter((n): n is CompiledSeed => n.kind === 'seed')
    .map((seed) => ({ seed, fileHash: 'h' }));
}

/** A type as the server names it back (format_type). */
function asNamedBack(type: string): string {
  if (type === 'timestamp') return 'timestamp without time zone';
  if (type === 'time') return 'time without time zone';
  return type.replace(', ', ',');
}

/** A relation's rows as text, sorted, and its columns: comparable across engines. */
async function contents(
  conn: Connection,
  relation: string,
): Promise<{ columns: string[]; rows: string[] }> {
  const columns = (await conn.columns(relation)).map((c) => c.name);
  const text = columns
    .map((c) => `coalesce(CAST("${c}" AS VARCHAR), '<null>')`)
    .join(` || '|' || `);
  const rows = await conn.query(`SELECT ${text} AS line FROM ${relation}`);
  // A double prints as 17.0 on DuckDB and 17 on PostgreSQL: the same value.
  return { columns, rows: rows.map((r) => String(r.line).replace(/\.0(?=\||$)/g, '')).sort() };
}

describe('seeds on PostgreSQL', () => {
  it("load the example's seeds with DuckDB's types and the same values", async () => {
    const duck = await open('duckdb');
    const pg = await open('postgres');
    const now = () => Date.UTC(2024, 0, 16);
    const duckCounts = await loadSeeds(
      { conn: duck.conn, runId: 'r', now },
      seedsOf(duck.compiled),
    );
    const pgCounts = await loadSeeds({ conn: pg.conn, runId: 'r', now }, seedsOf(pg.compiled));
    expect(pgCounts).toEqual(duckCounts);
    expect([...pgCounts.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(20_000);
    for (const { seed } of seedsOf(duck.compiled)) {
      const types = (await duck.conn.columns(seed.relation)).map((c) =>
        pg.conn.dialect.columnType(c.type),
      );
      const pgSeed = pg.compiled.nodes.get(seed.name)!;
      expect(
        (await pg.conn.columns(pgSeed.relation)).map((c) => c.type),
        seed.name,
      ).toEqual(types.map(asNamedBack));
      expect(await contents(pg.conn, pgSeed.relation), seed.name).toEqual(
        await contents(duck.conn, seed.relation),
      );
    }
    const records = await pg.conn.query(
      `SELECT name, row_count FROM etl_state.seeds ORDER BY name`,
    );
    expect(records.map((r) => [r.name, Number(r.row_count)])).toEqual(
      [...pgCounts].sort(([a], [b]) => a.localeCompare(b)),
    );
  });

  it('a malformed CSV is an error naming its file, and nothing of the batch is loaded', async () => {
    const pg = await open('postgres');
    await pg.conn.run('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public');
    await ensureLedger(pg.conn);
    writeFileSync(
      join(example.root, 'seeds', 'raw_products.csv'),
      'product_id,name\n1,"unterminated\n',
    );
    const error = await loadSeeds(
      { conn: pg.conn, runId: 'r', now: () => 0 },
      seedsOf(pg.compiled),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EtlError);
    expect((error as EtlError).code).toBe('E_SEED');
    expect((error as EtlError).message).toContain("cannot load seed 'raw_products'");
    expect((error as EtlError).location?.file).toBe('seeds/raw_products.csv');
    expect((await pg.conn.relations()).filter((r) => r.schema === 'public')).toEqual([]);
    expect(inject('postgresUrl')).toMatch(/^postgres:/);
  });
});
