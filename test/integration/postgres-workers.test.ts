import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExampleProject } from '../helpers/example-project.js';
import { freshDatabase } from '../helpers/postgres.js';
import { runCli, runCliAsync } from '../helpers/run-cli.js';

/**
 * Many writers on one PostgreSQL warehouse: four `etl backfill` processes started at once on
 * the same range claim windows through the database. None builds a window another built (one
 * ledger row per window), none fails or waits forever, and together they end with the same
 * relations, rows and ledger as one process alone.
 */
let example: ReturnType<typeof copyExampleProject>;
const dbs: Awaited<ReturnType<typeof freshDatabase>>[] = [];
const RANGE = ['--from', '2024-01-01', '--to', '2024-01-14'];

beforeAll(async () => {
  example = copyExampleProject();
  dbs.push(await freshDatabase(), await freshDatabase());
});

afterAll(async () => {
  for (const db of dbs) await db.drop();
  example.cleanup();
});

interface Summary {
  partitions: { built: number; skipped: number; failed: number };
}

/** Every relation of the schema and the ledger's windows, as sorted text, to compare. */
async function contents(url: string): Promise<Record<string, string[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ t: string }>(
      `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'analytics' ORDER BY 1`,
    );
    const out: Record<string, string[]> = {};
    for (const { t } of tables.rows) {
      const rows = await client.query(`SELECT * FROM analytics."${t}"`);
      out[t] = rows.rows.map((r) => JSON.stringify(r)).sort();
    }
    const ledger = await client.query(
      `SELECT model, window_start, row_count, content_hash, input_version, "partial" FROM etl_state.partitions`,
    );
    out['etl_state.partitions'] = ledger.rows.map((r) => JSON.stringify(r)).sort();
    return out;
  } finally {
    await client.end();
  }
}

describe('four worker processes on one range (PostgreSQL)', () => {
  it('build each window once and end equal to one process', async () => {
    const [shared, alone] = dbs.map((db) => `${db.url}?schema=analytics`) as [string, string];
    const runs = await Promise.all(
      [1, 2, 3, 4].map(() =>
        runCliAsync(['backfill', ...RANGE, '--json', '--target', shared], example.root),
      ),
    );
    for (const run of runs) expect(run.code, run.stderr + run.stdout.slice(0, 2000)).toBe(0);
    const single = runCli(['backfill', ...RANGE, '--json', '--target', alone], example.root);
    expect(single.code, single.stderr).toBe(0);
    const windows = (JSON.parse(single.stdout) as Summary).partitions.built;

    // Each window was written by exactly one of the four.
    const built = runs.map((r) => (JSON.parse(r.stdout) as Summary).partitions.built);
    expect(built.reduce((a, b) => a + b, 0)).toBe(windows);
    expect(
      built.filter((n) => n > 0).length,
      `windows built per process: ${built.join(', ')}`,
    ).toBeGreaterThan(1);
    const client = new pg.Client({ connectionString: dbs[0]!.url });
    await client.connect();
    try {
      const twice = await client.query(
        `SELECT model, window_start, count(*) AS n FROM etl_state.partitions GROUP BY 1, 2 HAVING count(*) > 1`,
      );
      expect(twice.rows).toEqual([]);
    } finally {
      await client.end();
    }
    expect(await contents(dbs[0]!.url)).toEqual(await contents(dbs[1]!.url));

    // And nothing is left to do, for any of them.
    const again = runCli(['backfill', ...RANGE, '--json', '--target', shared], example.root);
    expect((JSON.parse(again.stdout) as Summary).partitions.built).toBe(0);
  });
});
