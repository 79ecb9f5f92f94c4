import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backfillProject,
  buildProject,
  planBackfillProject,
  planBuildProject,
} from '../../core/api/build.js';
import { openDuckDB } from '../../core/engine/duckdb.js';
import type { Engine } from '../../core/engine/adapter.js';
import { snapshot } from '../helpers/duckdb.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';

/**
 * `build --date` and `backfill` read the ledger rows of the windows their plan can look at,
 * not the whole history (core/plan/ledger-scope.ts): over 75 days of history, with lookback,
 * every grain over days, days over months, a view, a table and an upsert downstream, after
 * edits of old data, SQL, grain, start and lookback, the plans they make equal those made from the whole ledger, and what
 * they write is the same.
 */
const DAYS = 75;

function seedRows(edited: boolean): string {
  const rows = ['id,ts'];
  for (let d = 0; d < DAYS; d++)
    for (const hour of [3, 15]) {
      const ts = new Date(Date.UTC(2023, 0, 1 + d, hour)).toISOString().slice(0, 19);
      rows.push(`${edited && d === 10 ? 1000 + d : d * 2 + (hour === 3 ? 0 : 1)},${ts}`);
    }
  return `${rows.join('\n')}\n`;
}

const files = (
  change: { b?: string; cGrain?: string; aStart?: string; bLookback?: number } = {},
) => ({
  'seeds/src.csv': seedRows(false),
  'models/a.sql': `{{ config(materialized='incremental', time_column='ts', start='${change.aStart ?? '2023-01-01'}') }}
select id, ts from {{ ref('src') }} where ts >= {{ start }} and ts < {{ end }}`,
  'models/b.sql': `{{ config(materialized='incremental', time_column='day', start='2023-01-01', lookback=${change.bLookback ?? 3}) }}
select ts::date as day, count(*) as n, sum(id)${change.b ?? ''} as s from {{ ref('a') }}
where ts >= {{ start }} and ts < {{ end }} group by 1`,
  'models/h.sql': `{{ config(materialized='incremental', time_column='hour', grain='hour', start='2023-01-01', lookback=2) }}
select date_trunc('hour', ts) as hour, count(*) as n from {{ ref('a') }}
where ts >= {{ start }} and ts < {{ end }} group by 1`,
  'models/w.sql': `{{ config(materialized='incremental', time_column='week', grain='week', start='2023-01-02', lookback=1) }}
select date_trunc('week', hour)::date as week, sum(n) as n from {{ ref('h') }}
where hour >= {{ start }} and hour < {{ end }} group by 1`,
  'models/m.sql': `{{ config(materialized='incremental', time_column='month', grain='month', start='2023-01-01') }}
select date_trunc('month', day)::date as month, sum(s) as s from {{ ref('b') }}
where day >= {{ start }} and day < {{ end }} group by 1`,
  'models/n.sql': `{{ config(materialized='incremental', time_column='day', start='2023-01-01') }}
select CAST({{ start }} AS DATE) as day, sum(s) as s from {{ ref('m') }}
where month <= {{ start }} and month > {{ start }} - INTERVAL 31 DAY`,
  'models/v.sql': `select id, ts from {{ ref('a') }}`,
  'models/c.sql': `{{ config(materialized='incremental', time_column='day', start='2023-01-01', lookback=1${change.cGrain === undefined ? '' : `, grain='${change.cGrain}'`}) }}
select date_trunc('${change.cGrain ?? 'day'}', ts)::date as day, max(id) as top from {{ ref('v') }}
where ts >= {{ start }} and ts < {{ end }} group by 1`,
  'models/t.sql': `{{ config(materialized='table') }}
select count(*) as months, sum(s) as s from {{ ref('m') }}`,
  'models/u.sql': `{{ config(materialized='incremental', unique_key='id', start='2023-01-01') }}
select id % 7 as id, max(ts) as last_seen from {{ ref('a') }}
where ts >= {{ start }} and ts < {{ end }} group by 1`,
});

describe('plans read the ledger of the windows they can look at', () => {
  let project: TempProject;
  const common = () => ({ project: project.root, target: `duckdb:${project.warehouse}` });

  beforeAll(async () => {
    project = tempProject(files());
    const { summary } = await backfillProject({
      ...common(),
      from: '2023-01-01',
      to: '2023-03-16',
    });
    expect(summary.status).toBe('success');
  }, 120_000);
  afterAll(() => project.cleanup());

  /** Builds and backfills planned both ways, over dates early, late and after the history. */
  async function expectSamePlans(label: string): Promise<void> {
    const engine = await openDuckDB(project.warehouse);
    try {
      await samePlans(label, engine);
    } finally {
      await engine.close();
    }
  }

  async function samePlans(label: string, engine: Engine): Promise<void> {
    for (const select of [undefined, ['c'], ['+w'], ['h', 'm'], ['t', 'u']]) {
      const selection = { engine, ...(select === undefined ? {} : { select }) };
      for (const date of ['2023-01-05', '2023-03-01', '2023-03-16', '2023-03-18']) {
        const plan = (wholeLedger: boolean) =>
          planBuildProject({ ...common(), ...selection, date, wholeLedger });
        expect(await plan(false), `${label}: build ${date} ${String(select)}`).toEqual(
          await plan(true),
        );
      }
      for (const [from, to] of [
        ['2023-02-10', '2023-02-12'],
        ['2023-03-10', '2023-03-20'],
      ] as const) {
        const plan = (wholeLedger: boolean) =>
          planBackfillProject({ ...common(), ...selection, from, to, wholeLedger });
        expect(await plan(false), `${label}: backfill ${from}..${to} ${String(select)}`).toEqual(
          await plan(true),
        );
      }
    }
  }

  /**
   * A build of `date` writes the same tables and ledger rows either way. The upsert u, whose
   * windows build on earlier ones, is rebuilt whole by a build of a day before its last: once
   * (that plan is made again from the whole ledger), then left out, for time.
   */
  async function expectSameBuild(date: string, exclude = ['u']): Promise<void> {
    const whole = join(project.root, 'whole.duckdb');
    copyFileSync(project.warehouse, whole);
    const scoped = await buildProject({ ...common(), date, exclude });
    const reference = await buildProject({
      project: project.root,
      target: `duckdb:${whole}`,
      date,
      exclude,
      wholeLedger: true,
    });
    expect(scoped.plan).toEqual(reference.plan);
    expect(scoped.summary.failures).toEqual([]);
    expect(await snapshot(project.warehouse, ['u'])).toEqual(await snapshot(whole, ['u']));
  }

  it('after a backfill, an old day of the seed edited, and a lookback lowered', async () => {
    await expectSamePlans('backfilled');
    project.write('seeds/src.csv', seedRows(true));
    await expectSamePlans('seed edited');
    await expectSameBuild('2023-03-01', []);
    // The edited day, rebuilt by a backfill of a alone: what reads it is stale there.
    const { summary } = await backfillProject({
      ...common(),
      select: ['src', 'a'],
      from: '2023-01-11',
      to: '2023-01-11',
      force: true,
    });
    expect(summary.failures).toEqual([]);
    await expectSamePlans('upstream rebuilt');
    await expectSameBuild('2023-01-12');
    // A lookback is not part of the fingerprint: b's windows keep the input range they were
    // built with, wider than the one it gives now.
    project.write('models/b.sql', files({ bLookback: 1 })['models/b.sql']);
    await expectSamePlans('lookback lowered');
    await expectSameBuild('2023-03-01');
  }, 300_000);

  it('after edits of SQL, grain and start', async () => {
    for (const [label, change] of [
      ['sql edited', { b: ' + 1' }],
      ['grain changed', { b: ' + 1', cGrain: 'week' }],
      ['start moved', { b: ' + 1', cGrain: 'week', aStart: '2023-02-01' }],
    ] as const) {
      for (const [file, text] of Object.entries(files(change)))
        if (file.startsWith('models/')) project.write(file, text);
      await expectSamePlans(label);
      await expectSameBuild('2023-03-10');
    }
  }, 300_000);
});
