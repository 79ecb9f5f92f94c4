import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillProject, buildProject } from '../../core/api/build.js';
import { openDuckDB } from '../../core/engine/duckdb.js';
import type { Engine } from '../../core/engine/adapter.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { backfillProjectFiles } from '../helpers/backfill-project.js';
import { snapshotConnection } from '../helpers/duckdb.js';

const DAYS = 8;
const day = (i: number): number => Date.UTC(2024, 0, 1 + i);

type Op =
  | { kind: 'build'; date: number; threads: number }
  | { kind: 'backfill'; from: number; to: number; force: boolean; threads: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('build' as const),
    date: fc.integer({ min: 0, max: DAYS - 1 }),
    threads: fc.integer({ min: 1, max: 3 }),
  }),
  fc
    .record({
      kind: fc.constant('backfill' as const),
      a: fc.integer({ min: 0, max: DAYS - 1 }),
      b: fc.integer({ min: 0, max: DAYS - 1 }),
      force: fc.boolean(),
      threads: fc.integer({ min: 1, max: 3 }),
    })
    .map(({ a, b, ...rest }) => ({ ...rest, from: Math.min(a, b), to: Math.max(a, b) })),
);

describe('idempotency law', () => {
  let project: TempProject;
  let clean: Record<string, string[]>;

  async function fresh(): Promise<Engine> {
    return openDuckDB(':memory:');
  }
  async function contents(engine: Engine): Promise<Record<string, string[]>> {
    const conn = await engine.connect();
    try {
      return await snapshotConnection(conn);
    } finally {
      await conn.close();
    }
  }

  beforeAll(async () => {
    project = tempProject(backfillProjectFiles(DAYS));
    const engine = await fresh();
    try {
      const { summary } = await backfillProject({
        project: project.root,
        target: 'duckdb::memory:',
        engine,
        from: day(0),
        to: day(DAYS - 1),
      });
      expect(summary.status).toBe('success');
      clean = await contents(engine);
    } finally {
      await engine.close();
    }
  });
  afterAll(() => project.cleanup());

  it('any sequence of builds and backfills, then a full backfill, equals one clean full backfill', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 5 }), async (ops) => {
        const engine = await fresh();
        try {
          const common = { project: project.root, target: 'duckdb::memory:', engine };
          for (const o of ops) {
            const { summary } =
              o.kind === 'build'
                ? await buildProject({ ...common, date: day(o.date), threads: o.threads })
                : await backfillProject({
                    ...common,
                    from: day(o.from),
                    to: day(o.to),
                    force: o.force,
                    threads: o.threads,
                  });
            expect(summary.status).toBe('success');
          }
          const { summary } = await backfillProject({ ...common, from: day(0), to: day(DAYS - 1) });
          expect(summary.status).toBe('success');
          expect(await contents(engine)).toEqual(clean);
        } finally {
          await engine.close();
        }
      }),
      { numRuns: Number(process.env.ETL_PROPERTY_RUNS ?? 15), endOnFailure: true },
    );
  }, 300_000);
});
