import { spawn } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { BIN, runCliAsync } from '../helpers/run-cli.js';
import { backfillProjectFiles } from '../helpers/backfill-project.js';
import { freshDatabase, snapshotPostgres } from '../helpers/postgres.js';
// A seeded generator, so that a failing sequence of kill instants can be replayed.
import { prng } from '../../bench/generated-project.js';

/** Kills per run: 10 in CI, more with ETL_SLOW_TESTS=1. */
const KILLS = process.env.ETL_SLOW_TESTS ? 40 : 10;
const RANGE = ['--from', '2024-01-01', '--to', '2024-01-31'];

/**
 * The crash-safety law on PostgreSQL: `kill -9` at random instants of a backfill (each run
 * with --force, so that every kill lands mid-write), then a rerun, ends equal to a clean
 * build: a window's rows and its ledger row commit together or not at all.
 */
describe('crash safety on PostgreSQL: kill -9 during a backfill, then rerun', () => {
  const files = backfillProjectFiles(31, { portable: true });
  const dbs: Awaited<ReturnType<typeof freshDatabase>>[] = [];
  let clean: Record<string, string[]>;
  let project: TempProject;
  let target: string;
  let fullRunMs = 1000;

  beforeAll(async () => {
    project = tempProject(files);
    dbs.push(await freshDatabase(), await freshDatabase());
    const reference = `${dbs[0]!.url}?schema=main`;
    const started = Date.now();
    const result = await runCliAsync(
      ['backfill', ...RANGE, '--quiet', '--target', reference],
      project.root,
    );
    fullRunMs = Date.now() - started;
    expect(result.code, result.stderr).toBe(0);
    clean = await snapshotPostgres(dbs[0]!.url);
    target = `${dbs[1]!.url}?schema=main`;
  });
  afterAll(async () => {
    for (const db of dbs) await db.drop();
    project.cleanup();
  });

  it(`${KILLS} kills at random instants; every rerun ends equal to a clean build`, async () => {
    const seed = Number(process.env.ETL_CRASH_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    let midRun = 0;
    for (let i = 0; i < KILLS; i++) {
      const child = spawn(
        process.execPath,
        [BIN, 'backfill', ...RANGE, '--force', '--quiet', '--threads', String(1 + (i % 3))],
        { cwd: project.root, stdio: 'ignore', env: { ...process.env, ETL_TARGET: target } },
      );
      const delay = Math.round(150 + random() * fullRunMs);
      await new Promise((r) => setTimeout(r, delay));
      if (child.exitCode === null && child.signalCode === null) midRun++;
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');

      const rerun = await runCliAsync(
        ['backfill', ...RANGE, '--json', '--target', target],
        project.root,
      );
      expect(
        rerun.code,
        `rerun after kill ${i + 1} (seed ${seed}, ${delay} ms): ${rerun.stderr}`,
      ).toBe(0);
      expect(
        await snapshotPostgres(dbs[1]!.url),
        `kill ${i + 1} at ${delay} ms (seed ${seed})`,
      ).toEqual(clean);
      const client = new pg.Client({ connectionString: dbs[1]!.url });
      await client.connect();
      try {
        const wrong = await client.query(
          `WITH l AS (SELECT DISTINCT ON (window_start) * FROM etl_state.partitions WHERE model = 'daily' ORDER BY window_start, seq DESC)
           SELECT count(*)::int AS n FROM l LEFT JOIN (SELECT day, count(*) AS n FROM main.daily GROUP BY day) d ON d.day = l.window_start::date
           WHERE coalesce(d.n, 0) <> l.row_count`,
        );
        expect(wrong.rows).toEqual([{ n: 0 }]);
        const dupes = await client.query(
          `SELECT (count(*) - count(DISTINCT hour))::int AS n FROM main.hourly`,
        );
        expect(dupes.rows).toEqual([{ n: 0 }]);
        // A killed process leaves nothing held: its session and its locks are gone.
        const held = await client.query(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted`,
        );
        expect(held.rows).toEqual([{ n: 0 }]);
      } finally {
        await client.end();
      }
    }
    // The kills landed while the runs ran (a forced rewrite killed mid-way leaves each window
    // as it was or as rewritten, both done: a rerun need not write any, so that is not counted).
    expect(midRun).toBeGreaterThan(0);
  }, 600_000);
});
