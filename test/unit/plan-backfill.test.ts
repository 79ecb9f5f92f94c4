import { describe, expect, it } from 'vitest';
import { planBackfill, planBuild, planCatchUp } from '../../core/plan/plan-build.js';
import { batch } from '../../core/plan/step-lookup.js';
import type { WarehouseState } from '../../core/state/warehouse-state.js';
import type { PartitionRecord } from '../../core/state/ledger.js';
import type { CompiledGraph, CompiledModel } from '../../core/compile/compiled-graph.js';
import { DataVersions } from '../../core/plan/data-versions.js';
import type { Plan } from '../../core/plan/plan.js';
import { windowsBetween, type Window } from '../../core/time/window.js';
import { compileFiles } from '../helpers/compile.js';

const day = (s: string): number => Date.parse(`${s}T00:00:00Z`);
const FILES = {
  'seeds/raw.csv': 'id,ts\n1,2024-01-01 00:00:00\n',
  'models/stg.sql': "select * from {{ ref('raw') }}",
  'models/daily.sql':
    "{{ config(materialized='incremental', time_column='d', start='2024-01-01') }} select ts::date as d from {{ ref('stg') }} where ts >= {{ start }} and ts < {{ end }}",
  'models/daily2.sql':
    "{{ config(materialized='incremental', time_column='d', start='2024-01-01') }} select d from {{ ref('daily') }} where d >= {{ start }} and d < {{ end }}",
  'models/monthly.sql':
    "{{ config(materialized='incremental', time_column='m', grain='month', start='2024-01-01') }} select date_trunc('month', d) as m from {{ ref('daily2') }} where d >= {{ start }} and d < {{ end }}",
  'models/hourly.sql':
    "{{ config(materialized='incremental', time_column='h', grain='hour', start='2024-01-01', batch_size=6) }} select ts as h from {{ ref('raw') }} where ts >= {{ start }} and ts < {{ end }}",
  'models/cumulative.sql':
    "{{ config(materialized='incremental', time_column='d', start='2024-01-01') }} select d from {{ ref('daily') }} where d >= {{ start }} and d < {{ end }} {% if is_incremental() %} and d > (select max(d) from {{ this }}) {% endif %}",
  'models/summary.sql':
    "{{ config(materialized='table') }} select count(*) as n from {{ ref('monthly') }}",
};
const compiled: CompiledGraph = compileFiles(FILES);
const all = new Set(compiled.nodes.keys());
const fp = (name: string): string => compiled.nodes.get(name)!.fingerprint;

function state(
  done: Record<string, { windows: Window[]; fingerprint?: string }> = {},
  exists = Object.keys(done),
): WarehouseState {
  const partitions = new Map<string, PartitionRecord[]>();
  for (const [model, d] of Object.entries(done))
    partitions.set(
      model,
      d.windows.map((window) => ({
        model,
        window,
        fingerprint: d.fingerprint ?? fp(model),
        rowCount: 1,
        contentHash: undefined,
        inputVersion: undefined,
        inputStart: undefined,
        partial: undefined,
        forwardOnly: false,
        seq: 1,
        firstSeq: 1,
      })),
    );
  return {
    relations: new Map(
      [...exists, 'raw', 'stg'].map((n) => [n, n === 'stg' ? 'view' : 'table'] as const),
    ),
    partitions,
    builds: new Map(),
    seeds: new Map([['raw', { fileHash: 'h', fingerprint: fp('raw'), seq: 0 }]]),
  };
}
const options = { selected: all, fullRefresh: false, seedHashes: new Map([['raw', 'h']]) };

/** The state with each window's input version recorded, as this version of etl writes it. */
function versioned(s: WarehouseState): WarehouseState {
  const versions = new DataVersions(compiled, s, options.seedHashes);
  const partitions = new Map<string, PartitionRecord[]>();
  for (const [model, records] of s.partitions) {
    const node = compiled.nodes.get(model) as CompiledModel;
    partitions.set(
      model,
      records.map((r) => ({
        ...r,
        inputVersion: versions.versionOf(node, r.window).version,
        inputStart: versions.inputStart(node, r.window),
      })),
    );
  }
  return { ...s, partitions };
}
const backfill = (
  s: WarehouseState,
  extra: Partial<{ force: boolean; batchSize: number; from: number; to: number }> = {},
): Plan =>
  planBackfill(compiled, s, {
    ...options,
    from: day('2024-01-01'),
    to: day('2024-01-31'),
    force: false,
    ...extra,
  });
const counts = (plan: Plan, model: string) => plan.windows.find((w) => w.model === model);
const step = (plan: Plan, id: string) => plan.steps.find((s) => s.id === id);

describe('backfill planner', () => {
  it('plans every window in range on an empty warehouse, batched by batch_size', () => {
    const plan = backfill(state());
    expect(counts(plan, 'daily')).toMatchObject({ total: 31, missing: 31, done: 0, batches: 31 });
    expect(counts(plan, 'monthly')).toMatchObject({ total: 1, batches: 1 });
    expect(counts(plan, 'hourly')).toMatchObject({ total: 744, missing: 744, batches: 124 });
    expect(step(plan, 'hourly@2024-01-01 00:00..2024-01-01 05:00')?.windows).toHaveLength(6);
  });

  it('skips windows done under the current fingerprint and rebuilds stale ones', () => {
    const jan = windowsBetween(day('2024-01-01'), day('2024-01-31'), 'day');
    const plan = backfill(
      state({
        daily: { windows: jan.slice(0, 20) },
        daily2: { windows: jan.slice(0, 10), fingerprint: 'old' },
      }),
    );
    expect(counts(plan, 'daily')).toMatchObject({ done: 20, missing: 11, stale: 0 });
    expect(counts(plan, 'daily2')).toMatchObject({ done: 0, missing: 21, stale: 10 });
    // Rows from before data versions say nothing of what they read: the definition decides.
    expect(step(plan, 'daily2@2024-01-05')?.reason).toBe('definition changed');
    expect(step(plan, 'daily@2024-01-05')).toBeUndefined();
  });

  it('--force rebuilds done windows', () => {
    const jan = windowsBetween(day('2024-01-01'), day('2024-01-31'), 'day');
    const plan = backfill(state({ daily: { windows: jan } }), { force: true });
    expect(counts(plan, 'daily')).toMatchObject({ forced: 31, done: 0 });
  });

  it('a window depends on the overlapping windows of its incremental upstream, through views', () => {
    const plan = backfill(
      state({
        daily: { windows: [] },
        daily2: { windows: [] },
        monthly: { windows: [] },
        hourly: { windows: [] },
        cumulative: { windows: [] },
      }),
    );
    expect(step(plan, 'daily2@2024-01-15')?.dependsOn).toEqual(['daily@2024-01-15']);
    const monthly = step(plan, 'monthly@2024-01')!;
    expect(monthly.dependsOn).toHaveLength(31);
    expect(monthly.dependsOn).toContain('daily2@2024-01-31');
    // daily reads a view over a seed: it depends on the view step (rebuilt), not on windows
    expect(step(plan, 'daily@2024-01-15')?.dependsOn).toEqual(['stg']);
    // a table waits for every upstream window
    expect(step(plan, 'summary')?.dependsOn).toEqual(['monthly@2024-01']);
  });

  it('windows of a model that reads itself run in order; others do not wait for each other', () => {
    const plan = backfill(state({ daily: { windows: [] }, cumulative: { windows: [] } }));
    expect(step(plan, 'cumulative@2024-01-02')?.dependsOn).toContain('cumulative@2024-01-01');
    expect(step(plan, 'daily@2024-01-02')?.dependsOn).not.toContain('daily@2024-01-01');
  });

  it('the first window of a model whose table does not exist runs first', () => {
    const plan = backfill(state());
    expect(step(plan, 'daily@2024-01-01')?.isIncremental).toBe(false);
    expect(step(plan, 'daily@2024-01-09')?.dependsOn).toContain('daily@2024-01-01');
    expect(step(plan, 'daily@2024-01-09')?.isIncremental).toBe(true);
  });

  it('respects each model start and batches only consecutive windows', () => {
    const plan = backfill(state(), { from: day('2023-12-30'), to: day('2024-01-02') });
    expect(counts(plan, 'daily')).toMatchObject({ total: 2 });
    expect(
      batch(
        [1, 2, 4, 5, 6].map((d) => ({ window: { start: d, end: d + 1 } })),
        2,
      ).map((g) => g.length),
    ).toEqual([2, 2, 1]);
  });

  it('a comment edits nothing; an edit to the SQL makes its windows stale and its downstream checked', () => {
    const jan = windowsBetween(day('2024-01-01'), day('2024-01-31'), 'day');
    const before = versioned(
      state({
        daily: { windows: jan },
        daily2: { windows: jan },
        monthly: { windows: [{ start: day('2024-01-01'), end: day('2024-02-01') }] },
        hourly: { windows: [] },
      }),
    );
    const planFor = (files: Record<string, string>): Plan =>
      planBackfill(compileFiles(files), before, {
        ...options,
        from: day('2024-01-01'),
        to: day('2024-01-31'),
        force: false,
      });
    const commented = planFor({
      ...FILES,
      'models/daily.sql': `-- daily events\n${FILES['models/daily.sql']}   -- edited`,
    });
    for (const m of ['daily', 'daily2', 'monthly'])
      expect(commented.windows.find((w) => w.model === m)).toMatchObject({
        stale: 0,
        check: 0,
        done: m === 'monthly' ? 1 : 31,
      });
    const plan = planFor({
      ...FILES,
      'models/daily.sql': FILES['models/daily.sql'].replace('ts::date as d', 'ts::date + 1 as d'),
    });
    const c = (m: string) => plan.windows.find((w) => w.model === m);
    expect(c('daily')).toMatchObject({ stale: 31 });
    expect(step(plan, 'daily@2024-01-05')?.reason).toBe('sql changed');
    // Downstream windows are rebuilt only if the upstream's new rows differ: checked when their
    // turn comes.
    expect(c('daily2')).toMatchObject({ stale: 0, check: 31 });
    expect(step(plan, 'daily2@2024-01-05')).toMatchObject({
      conditional: true,
      dependsOn: ['daily@2024-01-05'],
    });
    expect(c('monthly')).toMatchObject({ check: 1 });
  });
});

describe('models whose windows build on earlier ones', () => {
  const upsertFiles = {
    ...FILES,
    'models/latest.sql':
      "{{ config(materialized='incremental', unique_key='id', start='2024-01-01') }} select id from {{ ref('raw') }} where ts >= {{ start }} and ts < {{ end }}",
  };
  const up = compileFiles(upsertFiles);
  const recorded = (finished: (i: number) => number): WarehouseState => ({
    relations: new Map([
      ['latest', 'table'],
      ['raw', 'table'],
      ['stg', 'view'],
    ]),
    partitions: new Map([
      [
        'latest',
        windowsBetween(day('2024-01-01'), day('2024-01-10'), 'day').map((window, i) => ({
          model: 'latest',
          window,
          fingerprint: up.nodes.get('latest')!.fingerprint,
          rowCount: 1,
          contentHash: undefined,
          inputVersion: undefined,
          inputStart: undefined,
          partial: undefined,
          forwardOnly: false,
          seq: finished(i),
          firstSeq: finished(i),
        })),
      ],
    ]),
    builds: new Map(),
    seeds: new Map([
      ['raw', { fileHash: 'h', fingerprint: up.nodes.get('raw')!.fingerprint, seq: 0 }],
    ]),
  });
  const plan = (s: WarehouseState, from: string, to: string, force: boolean) =>
    planBackfill(up, s, {
      ...options,
      selected: new Set(['latest']),
      from: day(from),
      to: day(to),
      force,
    });
  const ids = (p: Plan) =>
    p.steps.filter((s) => s.model === 'latest').map((s) => s.id.split('@')[1]);

  const refreshIds = (p: Plan) =>
    p.steps.filter((s) => s.model === 'latest').map((s) => s.id.split('@')[1]);

  it('rebuilding an old upsert day rebuilds its table from its start, aside, in order', () => {
    const p = plan(
      recorded((i) => i),
      '2024-01-03',
      '2024-01-04',
      true,
    );
    // Replaying the later days over the old table would keep rows of keys no day writes now.
    expect(refreshIds(p)).toEqual([
      ...windowsBetween(day('2024-01-01'), day('2024-01-10'), 'day').map(
        (w) => `refresh ${new Date(w.start).toISOString().slice(0, 10)}`,
      ),
      'swap',
    ]);
    expect(step(p, 'latest@refresh 2024-01-06')?.dependsOn).toEqual(['latest@refresh 2024-01-05']);
    expect(p.windows.find((w) => w.model === 'latest')).toMatchObject({
      refresh: true,
      reasons: [
        {
          reason:
            'full refresh: its windows build on earlier ones, and history is rebuilt from its start',
        },
      ],
    });
  });

  it('a new day after the last one is appended in place', () => {
    const p = plan(
      recorded((i) => i),
      '2024-01-11',
      '2024-01-12',
      false,
    );
    expect(ids(p)).toEqual(['2024-01-11', '2024-01-12']);
  });

  it('days applied before an earlier day was rebuilt (a crash mid-replay of an older etl) are rebuilt from the start', () => {
    // Days 1-3 rebuilt after days 4-10 were applied, then the process died.
    const p = plan(
      recorded((i) => (i < 3 ? 100 + i : i)),
      '2024-01-01',
      '2024-01-10',
      false,
    );
    expect(refreshIds(p)).toHaveLength(11);
    expect(p.windows.find((w) => w.model === 'latest')?.reasons[0]?.reason).toBe(
      'full refresh: its windows were applied out of order',
    );
  });

  it('applied in order and done: nothing to do', () => {
    expect(
      ids(
        plan(
          recorded((i) => i),
          '2024-01-01',
          '2024-01-10',
          false,
        ),
      ),
    ).toEqual([]);
  });
});

describe('build and run planners', () => {
  it('build forces the windows of the date', () => {
    const plan = planBuild(
      compiled,
      state({ daily: { windows: [{ start: day('2024-01-15'), end: day('2024-01-16') }] } }),
      { ...options, date: day('2024-01-15') },
    );
    expect(step(plan, 'daily@2024-01-15')?.reason).toBe('forced');
    expect(plan.steps.filter((s) => s.model === 'hourly')).toHaveLength(24); // build does not batch
  });

  it('run catches up from start to the last closed window', () => {
    const plan = planCatchUp(compiled, state(), {
      ...options,
      until: Date.parse('2024-01-03T10:30:00Z'),
    });
    expect(counts(plan, 'daily')).toMatchObject({ total: 2 }); // the 1st and 2nd; the 3rd is open
    expect(counts(plan, 'hourly')).toMatchObject({ total: 58 });
    expect(counts(plan, 'monthly')).toBeUndefined(); // January is not closed
  });
});
