import { afterEach, describe, expect, it } from 'vitest';
import { backfillProject, buildProject, catchUpProject } from '../../core/index.js';
import type { Reporter, StepBatch } from '../../core/execute/reporter.js';
import type { StepResult } from '../../core/execute/run-summary.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { queryFile } from '../helpers/duckdb.js';
import { runCli } from '../helpers/run-cli.js';

/**
 * Adaptive batching: with no batch_size, consecutive windows of a model are merged into one
 * transaction as the run goes. What it must keep: one ledger row per window with the same
 * counts and content hashes as window-by-window writes, the same rows, and, when a merged
 * write fails, the exact window named and every other window committed.
 */

let projects: TempProject[] = [];
afterEach(() => {
  for (const p of projects) p.cleanup();
  projects = [];
});

/**
 * A project whose events (every 20 minutes over `days` days from 2024-01-01, amounts as text)
 * are a source table in the warehouse: hourly and daily models over them, one reading the
 * other; `config` goes into each model's config() call. `bad` is an event time whose amount
 * is not a number: its hour fails.
 */
async function project(
  days: number,
  options: { config?: string; bad?: string } = {},
): Promise<TempProject> {
  const config = options.config ?? '';
  const p = tempProject({
    'etl.yml': 'sources:\n  raw:\n    events: { table: raw.events }\n',
    'models/hourly.sql': `{{ config(materialized='incremental', time_column='hour', grain='hour', start='2024-01-01'${config}) }}
select date_trunc('hour', ts) as hour, count(*) as n, sum(amount::INTEGER) as amount
from {{ source('raw', 'events') }}
where ts >= {{ start }} and ts < {{ end }}
group by all`,
    'models/daily.sql': `{{ config(materialized='incremental', time_column='day', start='2024-01-01'${config}) }}
select hour::date as day, sum(n) as n, sum(amount) as amount
from {{ ref('hourly') }}
where hour >= {{ start }} and hour < {{ end }}
group by all`,
  });
  projects.push(p);
  await queryFile(
    p.warehouse,
    `CREATE SCHEMA raw;
     CREATE TABLE raw.events AS SELECT i AS id, TIMESTAMP '2024-01-01' + to_minutes(i * 20) AS ts,
       ((i * 7) % 23)::VARCHAR AS amount FROM range(${days * 72}) AS t(i);
     ${options.bad === undefined ? '' : `UPDATE raw.events SET amount = 'x' WHERE ts = TIMESTAMP '${options.bad}';`}
     SELECT 1`,
  );
  return p;
}

/** A reporter that keeps each step's result and each merged write. */
function recorder(): Reporter & { results: StepResult[]; batches: StepBatch[] } {
  const results: StepResult[] = [];
  const batches: StepBatch[] = [];
  return {
    results,
    batches,
    stepStarted: () => undefined,
    stepFinished: (result, batch) => {
      results.push(result);
      if (batch !== undefined && result === batch.results.at(-1)) batches.push(batch);
    },
    info: () => undefined,
  };
}

/** The newest ledger row of every window: model, start, count and content hash. */
async function ledger(warehouse: string): Promise<string[]> {
  const rows = await queryFile(
    warehouse,
    `SELECT model, window_start::VARCHAR AS w, row_count, content_hash FROM etl_state.partitions
     QUALIFY row_number() OVER (PARTITION BY model, window_start ORDER BY seq DESC) = 1
     ORDER BY model, window_start`,
  );
  return rows.map(
    (r) => `${String(r.model)} ${String(r.w)} ${String(r.row_count)} ${String(r.content_hash)}`,
  );
}

async function tableRows(warehouse: string, table: string): Promise<string[]> {
  const rows = await queryFile(warehouse, `SELECT * FROM ${table} ORDER BY ALL`);
  return rows.map((r) =>
    JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
  );
}

describe('adaptive batching', () => {
  it('merges windows into few transactions, with the ledger and rows of window-by-window writes', async () => {
    const adaptive = await project(10);
    const perWindow = await project(10);
    const reporter = recorder();
    const range = { from: '2024-01-01', to: '2024-01-10', threads: 2 };
    const merged = await backfillProject({ project: adaptive.root, ...range, reporter });
    expect(merged.summary.status).toBe('success');
    const one = await backfillProject({ project: perWindow.root, ...range, batchSize: 1 });
    expect(one.summary.status).toBe('success');
    expect(merged.summary.partitions.built).toBe(240 + 10);
    expect(one.summary.partitions.built).toBe(250);
    // 240 hourly windows in far fewer transactions than windows; every step told once.
    const hourly = reporter.batches.filter((b) => b.id.startsWith('hourly@'));
    expect(hourly.length).toBeGreaterThan(0);
    const transactions =
      hourly.length +
      reporter.results.filter(
        (r) => r.step.model === 'hourly' && !reporter.batches.some((b) => b.results.includes(r)),
      ).length;
    expect(transactions).toBeLessThan(40);
    expect(reporter.results.filter((r) => r.step.model === 'hourly')).toHaveLength(240);
    expect(new Set(reporter.results.map((r) => r.step.id)).size).toBe(reporter.results.length);
    // Each merged write's steps are consecutive windows.
    for (const b of hourly)
      for (let i = 1; i < b.results.length; i++)
        expect(b.results[i]!.step.renderWindow.start).toBe(b.results[i - 1]!.step.renderWindow.end);
    expect(await ledger(adaptive.warehouse)).toEqual(await ledger(perWindow.warehouse));
    for (const table of ['main.hourly', 'main.daily'])
      expect(await tableRows(adaptive.warehouse, table)).toEqual(
        await tableRows(perWindow.warehouse, table),
      );
    // Everything is done: nothing to write again.
    const again = await backfillProject({ project: adaptive.root, ...range });
    expect(again.summary.partitions.built).toBe(0);
  });

  it('retries a failed merged write window by window: the bad hour is named, the rest commit', async () => {
    const p = await project(4, { bad: '2024-01-03 05:20:00' });
    const reporter = recorder();
    const { summary } = await backfillProject({
      project: p.root,
      from: '2024-01-01',
      to: '2024-01-04',
      threads: 1,
      reporter,
    });
    expect(summary.status).toBe('failed');
    // One window failed, by name, with the engine's error; the other 95 hours are written.
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]).toMatchObject({ model: 'hourly', window: '2024-01-03 05:00' });
    expect(summary.failures[0]!.error).toContain("'x'");
    expect(summary.partitions.built).toBe(95 + 3);
    const written = await queryFile(
      p.warehouse,
      "SELECT count(*) AS n FROM etl_state.partitions WHERE model = 'hourly'",
    );
    expect(Number(written[0]!.n)).toBe(95);
    // The day that reads the bad hour is not built; the other days are.
    const days = await queryFile(
      p.warehouse,
      "SELECT window_start::DATE::VARCHAR AS d FROM etl_state.partitions WHERE model = 'daily' ORDER BY 1",
    );
    expect(days.map((d) => d.d)).toEqual(['2024-01-01', '2024-01-02', '2024-01-04']);
    // Windows were merged (so the bad hour was in a merged write that failed, and its
    // windows were written again one by one): the failing window's step ran alone.
    expect(reporter.batches.filter((b) => b.id.startsWith('hourly@')).length).toBeGreaterThan(0);
    const failed = reporter.results.find((r) => r.status === 'failed')!;
    expect(failed.step.id).toBe('hourly@2024-01-03 05:00');
    expect(reporter.batches.some((b) => b.results.includes(failed))).toBe(false);
    // Mended at the source, the rerun writes only what is missing: the bad hour and its day.
    await queryFile(p.warehouse, "UPDATE raw.events SET amount = '1' WHERE amount = 'x'");
    const rerun = await backfillProject({ project: p.root, from: '2024-01-01', to: '2024-01-04' });
    expect(rerun.summary.status).toBe('success');
    expect(rerun.summary.partitions.built).toBe(2);
  });

  it('does not merge a model whose windows merged would give other rows, and says why', async () => {
    // Window values as data, a window function across rows, an aggregate not by time, a test
    // that a window can fail alone: merged, each would write (or pass) something else.
    const models = {
      stamped: `{{ config(materialized='incremental', time_column='day', start='2024-01-01') }}
select {{ start }}::date as day, count(*) as n from {{ source('raw', 'events') }}
where ts >= {{ start }} and ts < {{ end }}`,
      loaded: `{{ config(materialized='incremental', time_column='ts', start='2024-01-01') }}
select ts, {{ end }} as loaded_until from {{ source('raw', 'events') }}
where ts >= {{ start }} and ts < {{ end }}`,
      labelled: `{{ config(materialized='incremental', time_column='hour', grain='hour', start='2024-01-01') }}
select date_trunc('hour', ts) as hour, '{{ ds }}' as as_of, count(*) as n from {{ source('raw', 'events') }}
where ts >= {{ start }} and ts < {{ end }}
group by all`,
      chained: `{{ config(materialized='incremental', time_column='ts', start='2024-01-01') }}
select ts, lead(ts) over (order by ts) as next_ts from {{ source('raw', 'events') }}
where ts >= {{ start }} and ts < {{ end }}`,
      latest: `{{ config(materialized='incremental', time_column='ts', start='2024-01-01') }}
select max(ts) as ts, count(*) as n from {{ source('raw', 'events') }}
where ts >= {{ start }} and ts < {{ end }}`,
      // As many rows merged as alone, with other values: found by the content hash.
      bounded: `{{ config(materialized='incremental', time_column='ts', start='2024-01-01') }}
select ts, (select max(ts) from {{ source('raw', 'events') }} where ts >= {{ start }} and ts < {{ end }}) as last_ts
from {{ source('raw', 'events') }}
where ts >= {{ start }} and ts < {{ end }}`,
      sparse: `{{ config(materialized='incremental', time_column='ts', grain='hour', start='2024-01-01') }}
select ts, id from {{ source('raw', 'events') }}
where ts >= {{ start }} and ts < {{ end }} and hour(ts) in (0, 5)`,
    };
    const names = Object.keys(models);
    const schema = `models:\n  - name: sparse\n    tests: [not_empty]\n`;
    const adaptive = await project(10);
    const perWindow = await project(10);
    for (const p of [adaptive, perWindow]) {
      for (const [name, text] of Object.entries(models)) p.write(`models/${name}.sql`, text);
      p.write('models/schema.yml', schema);
    }
    const reporter = recorder();
    const infos: string[] = [];
    const range = { from: '2024-01-01', to: '2024-01-10', threads: 1, select: names };
    const merged = await backfillProject({
      project: adaptive.root,
      ...range,
      reporter: { ...reporter, info: (m) => infos.push(m) },
    });
    const one = await backfillProject({ project: perWindow.root, ...range, batchSize: 1 });
    // The same windows fail (the empty hours of `sparse`), and the same rows and ledger stay.
    expect(merged.summary.failures.map((f) => `${f.model} ${f.window ?? ''}`)).toEqual(
      one.summary.failures.map((f) => `${f.model} ${f.window ?? ''}`),
    );
    // Each empty hour of `sparse` fails its not_empty test: 22 a day.
    expect(merged.summary.partitions.failed).toBe(10 * 22);
    expect(one.summary.partitions.failed).toBe(10 * 22);
    expect(await ledger(adaptive.warehouse)).toEqual(await ledger(perWindow.warehouse));
    for (const name of names)
      expect(await tableRows(adaptive.warehouse, `main.${name}`), name).toEqual(
        await tableRows(perWindow.warehouse, `main.${name}`),
      );
    // Why, once each: read from the template, or found by the check of a merged write.
    const said = (name: string, why: string): void => {
      const lines = infos.filter((m) => m.startsWith(`  ${name}: `));
      expect(lines, name).toHaveLength(1);
      expect(lines[0], name).toContain(why);
    };
    said('stamped', 'uses {{ start }} other than as a lower bound');
    said('loaded', 'uses {{ end }} other than as an upper bound');
    said('labelled', 'reads {{ ds }}');
    said('chained', 'window function');
    said('sparse', 'not_empty data test');
    said('latest', 'give other rows than written one by one');
    said('bounded', 'give other rows than written one by one');
    expect(reporter.batches.some((b) => b.id.startsWith('latest@'))).toBe(false);
    expect(reporter.batches.some((b) => b.id.startsWith('bounded@'))).toBe(false);
  });

  it('stops writing a failed merge one by one at --fail-fast and at Ctrl-C', async () => {
    const bad = { bad: '2024-01-03 05:20:00' };
    const a = await project(6, bad);
    const b = await project(6, bad);
    const range = { from: '2024-01-01', to: '2024-01-06', threads: 1, failFast: true };
    const merged = await backfillProject({ project: a.root, ...range, select: ['hourly'] });
    const one = await backfillProject({
      project: b.root,
      ...range,
      select: ['hourly'],
      batchSize: 1,
    });
    expect(merged.summary.failures).toHaveLength(1);
    expect(merged.summary.partitions.built).toBe(one.summary.partitions.built);
    expect(await ledger(a.warehouse)).toEqual(await ledger(b.warehouse));
    // Ctrl-C while a failed merge is written again window by window: nothing more starts.
    const c = await project(6, bad);
    const controller = new AbortController();
    const interrupted = await backfillProject({
      project: c.root,
      ...range,
      failFast: false,
      select: ['hourly'],
      signal: controller.signal,
      reporter: {
        ...recorder(),
        stepFinished: (r) => {
          if (r.status === 'failed') controller.abort();
        },
      },
    });
    expect(interrupted.summary.status).toBe('interrupted');
    const hours = await queryFile(
      c.warehouse,
      "SELECT max(window_start)::VARCHAR AS last FROM etl_state.partitions WHERE model = 'hourly'",
    );
    expect(String(hours[0]!.last) < '2024-01-03 05:00:00').toBe(true);
  });

  it('leaves a set batch_size alone: config or --batch-size', async () => {
    const set = await project(2, { config: ', batch_size=5' });
    const reporter = recorder();
    const range = { from: '2024-01-01', to: '2024-01-02' };
    await backfillProject({ project: set.root, ...range, reporter });
    expect(reporter.batches).toEqual([]);
    const hourly = reporter.results.filter((r) => r.step.model === 'hourly');
    // 48 hours in steps of 5 (the first alone, as it creates the table's first windows).
    expect(hourly.every((r) => r.step.windows.length <= 5)).toBe(true);
    expect(hourly.length).toBeGreaterThanOrEqual(10);
    const flag = await project(2);
    const byFlag = recorder();
    await backfillProject({ project: flag.root, ...range, batchSize: 1, reporter: byFlag });
    expect(byFlag.batches).toEqual([]);
    expect(byFlag.results.filter((r) => r.step.model === 'hourly')).toHaveLength(48);
  });

  it('merges the windows of a daily build and of etl run too, and says so on a pipe', async () => {
    const p = await project(3);
    const reporter = recorder();
    const built = await buildProject({ project: p.root, date: '2024-01-02', reporter });
    expect(built.summary.status).toBe('success');
    expect(reporter.batches.length).toBeGreaterThan(0);
    const run = await catchUpProject({ project: p.root, until: '2024-01-03' });
    expect(run.summary.status).toBe('success');
    const cli = runCli(
      ['backfill', '--from', '2024-01-01', '--to', '2024-01-03', '--force'],
      p.root,
    );
    expect(cli.code).toBe(0);
    // One line per transaction, saying how many windows it wrote.
    expect(cli.stderr).toMatch(
      /OK +hourly +2024-01-0\d \d\d:00\.\.2024-01-0\d \d\d:00 +incremental, \d+ windows, [\d,]+ rows/,
    );
    expect(cli.stderr.split('\n').filter((l) => / OK +hourly /.test(l)).length).toBeLessThan(30);
  });
});
