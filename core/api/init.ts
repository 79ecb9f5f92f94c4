import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EtlError, ExitCode } from '../errors.js';

/** The files of a starter project, by path. */
const FILES: Record<string, string> = {
  'etl.yml': `name: starter
# target: duckdb:warehouse.duckdb   (the default)
# target: postgres://user@host:5432/db?schema=analytics   (password: PGPASSWORD)
vars:
  currency: EUR
`,
  '.gitignore': `*.duckdb
*.duckdb.wal
`,
  'seeds/raw_events.csv': `event_id,user_id,occurred_at,amount
1,10,2024-01-01 09:15:00,12.50
2,11,2024-01-01 17:40:00,3.00
3,10,2024-01-02 08:05:00,7.25
4,12,2024-01-02 21:30:00,19.99
5,11,2024-01-03 12:00:00,4.50
`,
  'models/staging/stg_events.sql': `-- One row per event, typed.
select
  event_id,
  user_id,
  occurred_at::timestamp as occurred_at,
  amount::decimal(10, 2) as amount
from {{ ref('raw_events') }}
`,
  'models/marts/daily_revenue.sql': `-- Revenue per day, written one day (window) at a time.
{{ config(materialized='incremental', time_column='day', grain='day', start='2024-01-01') }}
select
  occurred_at::date as day,
  count(*) as events,
  sum(amount) as revenue,
  {{ var('currency') | sql }} as currency
from {{ ref('stg_events') }}
where occurred_at >= {{ start }} and occurred_at < {{ end }}
group by 1
`,
  'models/schema.yml': `models:
  - name: stg_events
    columns:
      - name: event_id
        tests: [not_null, unique]
  - name: daily_revenue
    tests:
      - expression: "revenue >= 0"
    columns:
      - name: day
        tests: [not_null, unique]

unit_tests:
  - name: revenue_sums_the_day
    model: daily_revenue
    window: {date: 2024-01-02}
    given:
      - input: ref('stg_events')
        rows:
          - {event_id: 1, occurred_at: '2024-01-02 08:00:00', amount: 2.5}
          - {event_id: 2, occurred_at: '2024-01-02 23:59:59', amount: 1}
          - {event_id: 3, occurred_at: '2024-01-03 00:00:00', amount: 100}
    expect:
      rows: [{day: 2024-01-02, events: 2, revenue: 3.5}]
`,
};

/**
 * `etl init [DIR]`: write a starter project (a seed, a staging view, a daily incremental
 * model, data tests and a unit test). Rejects with `E_INIT` on a folder that already holds a
 * project, writing nothing.
 *
 * @param dir - The folder to write it in (created if need be).
 * @returns The files written, relative to `dir`.
 */
export async function initProject(dir: string): Promise<string[]> {
  const root = refuseProject(dir);
  const written: string[] = [];
  for (const [file, text] of Object.entries(FILES)) {
    const path = join(root, file);
    if (existsSync(path)) continue;
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, text);
    written.push(file);
  }
  return written;
}

/** The folder's absolute path; throws when it already holds a project. */
function refuseProject(dir: string): string {
  const root = resolve(dir);
  if (
    existsSync(join(root, 'etl.yml')) ||
    (existsSync(join(root, 'models')) && readdirSync(join(root, 'models')).length > 0)
  )
    throw new EtlError(
      'E_INIT',
      `${dir} already holds a project (etl.yml or models/): nothing was written`,
      {
        exitCode: ExitCode.badInput,
      },
    );
  return root;
}
