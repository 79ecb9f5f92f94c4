import { afterEach, describe, expect, it } from 'vitest';
import { backfillProject } from '../../core/api/build.js';
import { openDuckDB } from '../../core/engine/duckdb.js';
import type { Engine } from '../../core/engine/adapter.js';
import type { StepResult } from '../../core/execute/run-summary.js';
import type { Reporter } from '../../core/execute/reporter.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { backfillProjectFiles } from '../helpers/backfill-project.js';

let project: TempProject | undefined;
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  project?.cleanup();
  engine = undefined;
  project = undefined;
});

function capture(): { reporter: Reporter; results: StepResult[]; retries: string[] } {
  const results: StepResult[] = [];
  const retries: string[] = [];
  return {
    results,
    retries,
    reporter: {
      stepStarted: () => undefined,
      stepFinished: (r) => results.push(r),
      retrying: (step, attempt, _delay, message) =>
        retries.push(`${step.id} #${attempt}: ${message.split('\n')[0]}`),
      info: () => undefined,
    },
  };
}

const day = Date.UTC(2024, 0, 5);

describe('retries', () => {
  it('a real transaction conflict from a second connection is retried and succeeds', async () => {
    project = tempProject(backfillProjectFiles(7));
    engine = await openDuckDB(project.warehouse);
    const base = { project: project.root, engine, from: day, to: day };
    const first = await backfillProject({ ...base, select: ['+daily'] });
    expect(first.summary.status).toBe('success');

    // Another connection deletes the window's rows and keeps its transaction open until the
    // first retry is announced (not on a timer: a slow machine must not make it pass by luck).
    const other = await engine.connect();
    await other.run('BEGIN TRANSACTION');
    await other.run(`DELETE FROM main.daily WHERE day = DATE '2024-01-05'`);
    let released: Promise<void> | undefined;

    const { reporter, results, retries } = capture();
    const { summary } = await backfillProject({
      ...base,
      select: ['daily'],
      force: true,
      retries: 6,
      retryPolicy: { baseMs: 100, maxMs: 400 },
      reporter: {
        ...reporter,
        retrying: (...args) => {
          reporter.retrying?.(...args);
          released ??= other.run('ROLLBACK');
        },
      },
    });
    await released;
    await other.close();
    expect(summary.status).toBe('success');
    const step = results.find((r) => r.step.id === 'daily@2024-01-05')!;
    expect(step.attempts).toBeGreaterThan(1);
    expect(retries[0]).toMatch(/daily@2024-01-05 #1: .*[Cc]onflict/);
  });

  it('a binder error is not retried', async () => {
    project = tempProject({
      ...backfillProjectFiles(3),
      'models/broken.sql': `{{ config(materialized='incremental', time_column='day') }}
select ts::date as day, no_such_column from {{ ref('stg_events') }} where ts >= {{ start }} and ts < {{ end }}`,
    });
    engine = await openDuckDB(project.warehouse);
    const { reporter, results, retries } = capture();
    const { summary } = await backfillProject({
      project: project.root,
      engine,
      from: day,
      to: day,
      select: ['+broken'],
      retries: 5,
      reporter,
    });
    expect(summary.status).toBe('failed');
    expect(summary.failures[0]).toMatchObject({ model: 'broken', code: 'E_SQL' });
    expect(summary.failures[0]!.error).toContain('Binder Error');
    expect(results.find((r) => r.step.model === 'broken')?.attempts).toBe(1);
    expect(retries).toEqual([]);
  });
});
