import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillProject, buildProject } from '../../core/api/build.js';
import { projectStatus, statusWindows } from '../../core/api/status.js';
import { openDuckDB } from '../../core/engine/duckdb.js';
import { GRAINS } from '../../core/time/window.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { snapshotConnection, windowHashes, withConnection } from '../helpers/duckdb.js';

/**
 * Every grain over every grain: for each pair (g, u) of hour, day, week and month, a model of
 * g windows reads a model of u windows (which is itself built from finer windows, so its
 * windows change as their parts arrive). Any sequence of builds and backfills, then a backfill
 * of the whole range, ends equal to one clean backfill; after every step each window `status`
 * calls done holds what a clean build gives it. Days run from Monday 2024-02-19 to Sunday
 * 2024-03-10, across a month's end.
 */
const FIRST = Date.UTC(2024, 1, 19);
const DAYS = 21;
const day = (i: number): number => FIRST + i * 86_400_000;

function files(): Record<string, string> {
  const rows = ['id,t'];
  let id = 1;
  for (let d = 0; d < DAYS; d++) {
    const date = new Date(day(d)).toISOString().slice(0, 10);
    for (let k = 0; k < 1 + (d % 3); k++)
      rows.push(`${id++},${date} ${String((d * 5 + k * 9) % 24).padStart(2, '0')}:30:00`);
  }
  const out: Record<string, string> = {
    'seeds/events.csv': `${rows.join('\n')}\n`,
    'models/stg_events.sql': "select id, t::timestamp as t from {{ ref('events') }}",
  };
  // The upstream models are chained, so that a coarse window is partial until its parts are
  // built: hours over the seed, days over hours, weeks and months over days.
  const from = { hour: 'stg_events', day: 'b_hour', week: 'b_day', month: 'b_day' } as const;
  for (const u of GRAINS)
    out[`models/b_${u}.sql`] =
      `{{ config(materialized='incremental', time_column='t', grain='${u}', start='2024-02-19'${u === 'hour' ? ', batch_size=24' : ''}) }}
select date_trunc('${u}', t) as t, ${u === 'hour' ? 'count(*)' : 'sum(events)'} as events
from {{ ref('${from[u]}') }} where t >= {{ start }} and t < {{ end }} group by 1`;
  for (const g of GRAINS)
    for (const u of GRAINS)
      out[`models/${g}_over_${u}.sql`] =
        `{{ config(materialized='incremental', time_column='t', grain='${g}', start='2024-02-19'${g === 'hour' ? ', batch_size=24' : ''}) }}
select date_trunc('${g}', x.t) as t, count(*) as n, sum(u.events) as upstream_events
from {{ ref('stg_events') }} as x join {{ ref('b_${u}') }} as u on u.t = date_trunc('${u}', x.t)
where x.t >= {{ start }} and x.t < {{ end }}
group by 1`;
  return out;
}

type Op =
  | { kind: 'build'; date: number; threads: number }
  | { kind: 'backfill'; from: number; to: number; threads: number; batch: number | undefined };
const dayIndex = fc.integer({ min: 0, max: DAYS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('build' as const), date: dayIndex, threads: fc.constant(2) }),
  fc
    .record({
      kind: fc.constant('backfill' as const),
      a: dayIndex,
      b: dayIndex,
      threads: fc.integer({ min: 1, max: 3 }),
      batch: fc.option(fc.integer({ min: 2, max: 5 }), { nil: undefined }),
    })
    .map(({ a, b, ...rest }) => ({ ...rest, from: Math.min(a, b), to: Math.max(a, b) })),
);

describe('every grain over every grain', () => {
  let project: TempProject;
  let clean: { tables: Record<string, string[]>; windows: Map<string, string> };
  beforeAll(async () => {
    project = tempProject(files());
    const engine = await openDuckDB(':memory:');
    try {
      const { summary } = await backfillProject({
        project: project.root,
        target: 'duckdb::memory:',
        engine,
        from: day(0),
        to: day(DAYS - 1),
      });
      expect(summary.failures).toEqual([]);
      clean = await withConnection(engine, async (c) => ({
        tables: await snapshotConnection(c),
        windows: await windowHashes(c),
      }));
    } finally {
      await engine.close();
    }
  }, 120_000);
  afterAll(() => project.cleanup());

  it('any builds and backfills, then a backfill of the range, equal one clean backfill', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 4 }), async (ops) => {
        const engine = await openDuckDB(':memory:');
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
                    threads: o.threads,
                    ...(o.batch === undefined ? {} : { batchSize: o.batch }),
                  });
            expect(summary.failures).toEqual([]);
            const now = await withConnection(engine, windowHashes);
            for (const model of await projectStatus({ ...common, until: day(DAYS - 1) }))
              for (const w of statusWindows(model))
                if (w.state === 'done') {
                  const key = `${model.name}@${w.window.start}`;
                  expect(now.get(key), `${key} done after ${JSON.stringify(o)}`).toBe(
                    clean.windows.get(key),
                  );
                }
          }
          const { summary } = await backfillProject({
            ...common,
            from: day(0),
            to: day(DAYS - 1),
          });
          expect(summary.failures).toEqual([]);
          expect(await withConnection(engine, snapshotConnection)).toEqual(clean.tables);
        } finally {
          await engine.close();
        }
      }),
      { numRuns: Number(process.env.ETL_PROPERTY_RUNS ?? 5), endOnFailure: true },
    );
  }, 900_000);
});
