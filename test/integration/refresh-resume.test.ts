import { afterEach, describe, expect, it } from 'vitest';
import { backfillProject } from '../../core/index.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { queryFile } from '../helpers/duckdb.js';

/**
 * A full refresh resumed after an interruption writes what an uninterrupted one writes: in
 * particular `is_incremental()` is false for the refresh's first window whichever run writes
 * it, as it is when the refresh runs through (found by a break-it pass: a resumed refresh
 * rewrote the first windows with `is_incremental()` true).
 */
let projects: TempProject[] = [];
afterEach(() => {
  for (const p of projects) p.cleanup();
  projects = [];
});

function project(): TempProject {
  const rows = ['id,ts'];
  for (let i = 0; i < 72; i++)
    rows.push(
      `${i},${new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString().slice(0, 19).replace('T', ' ')}`,
    );
  const p = tempProject({
    'seeds/events.csv': `${rows.join('\n')}\n`,
    'etl.yml': 'seeds:\n  events:\n    column_types: { ts: TIMESTAMP }\n',
    'models/mode.sql': `{{ config(materialized='incremental', time_column='ts', grain='hour', start='2024-01-01', batch_size=1) }}
select ts, id, {% if is_incremental() %}'inc'{% else %}'full'{% endif %} as mode from {{ ref('events') }}
where ts >= {{ start }} and ts < {{ end }}`,
  });
  projects.push(p);
  return p;
}

const rowsOf = async (p: TempProject): Promise<string[]> =>
  (await queryFile(p.warehouse, 'SELECT ts::VARCHAR AS ts, mode FROM main.mode ORDER BY ts')).map(
    (r) => `${String(r.ts)} ${String(r.mode)}`,
  );

describe('a full refresh resumed', () => {
  it('writes what an uninterrupted refresh writes, is_incremental() included', async () => {
    const range = { from: '2024-01-01', to: '2024-01-03', threads: 1 };
    const reference = project();
    await backfillProject({ project: reference.root, ...range });
    await backfillProject({ project: reference.root, ...range, fullRefresh: true });
    const expected = await rowsOf(reference);
    expect(expected.filter((r) => r.endsWith(' full'))).toEqual(['2024-01-01 00:00:00 full']);

    const p = project();
    await backfillProject({ project: p.root, ...range });
    // Interrupted after a few windows were written aside...
    const controller = new AbortController();
    let written = 0;
    const first = await backfillProject({
      project: p.root,
      ...range,
      fullRefresh: true,
      signal: controller.signal,
      reporter: {
        stepStarted: () => undefined,
        stepFinished: (r) => {
          if (r.status === 'success' && ++written === 5) controller.abort();
        },
        info: () => undefined,
      },
    });
    expect(first.summary.status).toBe('interrupted');
    // ...and the seed edited meanwhile: every window aside is stale, the first included.
    p.write(
      'seeds/events.csv',
      `${'id,ts\n'}${expected.map((_, i) => `${i},${new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString().slice(0, 19).replace('T', ' ')}`).join('\n')}\n`,
    );
    const again = await backfillProject({ project: p.root, ...range, fullRefresh: true });
    expect(again.summary.status).toBe('success');
    expect(await rowsOf(p)).toEqual(expected);
  });
});
