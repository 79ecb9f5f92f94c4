import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { BIN, runCliAsync } from '../helpers/run-cli.js';
import { queryFile, snapshot } from '../helpers/duckdb.js';
import { backfillProjectFiles } from '../helpers/backfill-project.js';
// A seeded generator, so that a failing sequence of kill instants can be replayed.
import { prng } from '../../bench/generated-project.js';

/** Kills per run: 10 in CI, more with ETL_SLOW_TESTS=1. */
const KILLS = process.env.ETL_SLOW_TESTS ? 60 : 10;
const RANGE = ['--from', '2024-01-01', '--to', '2024-01-31'];

describe('crash safety: kill -9 during a backfill, then rerun', () => {
  const files = backfillProjectFiles(31);
  let clean: Record<string, string[]>;
  let project: TempProject;
  let fullRunMs = 1000;

  beforeAll(async () => {
    const reference = tempProject(files);
    try {
      const started = Date.now();
      const result = await runCliAsync(['backfill', ...RANGE, '--quiet'], reference.root);
      fullRunMs = Date.now() - started;
      expect(result.code).toBe(0);
      clean = await snapshot(reference.warehouse);
    } finally {
      reference.cleanup();
    }
    project = tempProject(files);
  });
  afterAll(() => project.cleanup());

  it(`${KILLS} kills at random instants; every rerun ends equal to a clean build`, async () => {
    const seed = Number(process.env.ETL_CRASH_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const killedAfter: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      // --force gives every run the whole range to do, so that each kill lands mid-write.
      const child = spawn(
        process.execPath,
        [BIN, 'backfill', ...RANGE, '--force', '--quiet', '--threads', String(1 + (i % 3))],
        {
          cwd: project.root,
          stdio: 'ignore',
        },
      );
      const delay = Math.round(80 + random() * fullRunMs);
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
      killedAfter.push(delay);

      const rerun = await runCliAsync(['backfill', ...RANGE, '--quiet'], project.root);
      expect(
        rerun.code,
        `rerun after kill ${i + 1} (seed ${seed}, ${delay} ms): ${rerun.stderr}`,
      ).toBe(0);
      expect(
        await snapshot(project.warehouse),
        `kill ${i + 1} at ${delay} ms (seed ${seed})`,
      ).toEqual(clean);
      const wrong = await queryFile(
        project.warehouse,
        `WITH l AS (SELECT * FROM etl_state.partitions WHERE model = 'daily' QUALIFY row_number() OVER (PARTITION BY window_start ORDER BY seq DESC) = 1)
         SELECT count(*) AS n FROM l LEFT JOIN (SELECT day, count(*) AS n FROM main.daily GROUP BY day) d ON d.day = l.window_start::date
         WHERE coalesce(d.n, 0) <> l.row_count`,
      );
      expect(wrong).toEqual([{ n: '0' }]);
      const dupes = await queryFile(
        project.warehouse,
        `SELECT count(*) - count(DISTINCT hour) AS n FROM main.hourly`,
      );
      expect(dupes).toEqual([{ n: '0' }]);
    }
    expect(killedAfter).toHaveLength(KILLS);
  }, 600_000);
});
