import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { backfillProject, buildProject, catchUpProject } from '../../core/api/build.js';
import { projectStatus, statusWindows } from '../../core/api/status.js';
import { openDuckDB } from '../../core/engine/duckdb.js';
import type { Connection } from '../../core/engine/adapter.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import {
  lineageDay,
  lineageProjectFiles,
  type LineageVariant,
} from '../helpers/lineage-project.js';
import { END, expectScopedPlan, ledgerSkipped, op } from '../helpers/lineage-ops.js';
import { snapshotConnection, windowHashes, withConnection } from '../helpers/duckdb.js';

/**
 * The law of the ledger: any sequence of builds, backfills, catch-up runs, full refreshes,
 * forced rebuilds, seed edits and model edits, followed by `etl run --until END`, leaves every
 * table and every ledger row (counts, content hash, input version, partial) equal to one clean
 * backfill of the project as it then is. And at every step, each window `status` calls done
 * holds the rows a clean build of the project as it then is would give it; and each build and
 * backfill, planned from the ledger rows of the windows it can look at, plans what it would
 * from the whole ledger.
 *
 * The project (test/helpers/lineage-project.ts) has weeks, months and hours over days, a
 * table upstream of windows, tables downstream (one written against the run's day), seeds, an
 * upsert and windows over it, a model that reads itself, and lookback; edits change seed rows,
 * SQL (rows, or only comments), a model's start, another's grain and its materialization
 * (windows, a table, a view, and back).
 */
const day = (i: number): number => lineageDay(i);

async function tierRows(c: Connection): Promise<string[]> {
  return (await c.query('SELECT * FROM main.daily_tier ORDER BY ALL')).map((r) =>
    JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
  );
}

describe('the law of data versions', () => {
  const clean = new Map<
    string,
    { tables: Record<string, string[]>; windows: Map<string, string>; tier: string[] }
  >();
  const projects: TempProject[] = [];
  afterAll(() => {
    for (const p of projects) p.cleanup();
  });

  /** A clean backfill of the whole range of the project in `variant` (cached). */
  async function cleanBuild(variant: LineageVariant) {
    // C differs from A in comments and spacing only: the same build, the same fingerprints.
    const key = `${variant.events}${variant.users}${variant.daily === 'C' ? 'A' : variant.daily}${variant.tier ?? 'day'}${variant.tierAs ?? 'incremental'}`;
    const cached = clean.get(key);
    if (cached) return cached;
    const project = tempProject(lineageProjectFiles(variant));
    projects.push(project);
    const engine = await openDuckDB(':memory:');
    try {
      const { summary } = await backfillProject({
        project: project.root,
        target: 'duckdb::memory:',
        engine,
        from: day(0),
        to: day(END),
      });
      expect(summary.status).toBe('success');
      const result = await withConnection(engine, async (c) => ({
        tables: await snapshotConnection(c, ledgerSkipped(variant)),
        windows: await windowHashes(c),
        tier: await tierRows(c),
      }));
      clean.set(key, result);
      return result;
    } finally {
      await engine.close();
    }
  }

  it('any sequence of commands and edits, then run --until END, equals one clean backfill', async () => {
    const project = tempProject(lineageProjectFiles());
    projects.push(project);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 6 }), async (ops) => {
        let variant: LineageVariant = { events: 'A', users: 'A', daily: 'A' };
        for (const [file, text] of Object.entries(lineageProjectFiles(variant)))
          project.write(file, text);
        const engine = await openDuckDB(':memory:');
        try {
          const common = { project: project.root, target: 'duckdb::memory:', engine };
          for (const o of ops) {
            if (o.kind === 'edit') {
              variant = { ...variant, ...o.change };
              for (const [file, text] of Object.entries(lineageProjectFiles(variant)))
                project.write(file, text);
            } else {
              // Planned from the windows it can look at, the command plans what it would from
              // the whole ledger.
              await expectScopedPlan(common, o, day);
              const { summary } =
                o.kind === 'build'
                  ? await buildProject({
                      ...common,
                      date: day(o.date),
                      threads: o.threads,
                      fullRefresh: o.fullRefresh,
                      ...(o.only === undefined ? {} : { select: [`+${o.only}`] }),
                    })
                  : o.kind === 'backfill'
                    ? await backfillProject({
                        ...common,
                        from: day(o.from),
                        to: day(o.to),
                        force: o.force,
                        threads: o.threads,
                        ...(o.batch === undefined ? {} : { batchSize: o.batch }),
                      })
                    : await catchUpProject({ ...common, until: day(o.until), threads: o.threads });
              expect(summary.failures).toEqual([]);
            }
            // Every window status calls done holds what a clean build would give it.
            const reference = await cleanBuild(variant);
            const hashes = await withConnection(engine, windowHashes);
            for (const model of await projectStatus({ ...common, until: day(END) }))
              for (const w of statusWindows(model))
                // seen reads the upsert's table as it stands, which grows with the days built
                // so far: only the end state compares with a clean build of the whole range.
                if (w.state === 'done' && model.name !== 'seen') {
                  const key = `${model.name}@${w.window.start}`;
                  expect(hashes.get(key), `${key} is done after ${JSON.stringify(o)}`).toBe(
                    reference.windows.get(key),
                  );
                }
          }
          const { summary } = await catchUpProject({ ...common, until: day(END) });
          expect(summary.failures).toEqual([]);
          const reference = await cleanBuild(variant);
          expect(
            await withConnection(engine, (c) => snapshotConnection(c, ledgerSkipped(variant))),
          ).toEqual(reference.tables);
          // daily_tier as it reads, whether a table or a view.
          expect(await withConnection(engine, tierRows)).toEqual(reference.tier);
          // ...and it is a fixed point: status has nothing left to do, nor has run.
          const again = await catchUpProject({ ...common, until: day(END) });
          expect(again.summary.partitions.built).toBe(0);
          for (const model of await projectStatus({ ...common, until: day(END) }))
            expect(
              [...statusWindows(model)].filter((w) => w.state === 'stale' || w.state === 'missing'),
              model.name,
            ).toEqual([]);
        } finally {
          await engine.close();
        }
      }),
      { numRuns: Number(process.env.ETL_PROPERTY_RUNS ?? 12), endOnFailure: true },
    );
  }, 900_000);
});
