import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProject } from '../../core/api/build.js';
import { openDuckDB } from '../../core/engine/duckdb.js';
import type { Engine } from '../../core/engine/adapter.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { recordingEngine } from '../helpers/recording-engine.js';

/**
 * Golden SQL: the statements each materialization runs, in order, against a real in-memory
 * DuckDB, with the clock and run id fixed so that the output is stable.
 */
const FILES = {
  'seeds/raw_events.csv':
    'id,user_id,ts,amount\n1,7,2024-01-14 23:00:00,1.50\n2,7,2024-01-15 10:00:00,2.25\n3,8,2024-01-15 11:30:00,4.00\n',
  'models/stg_events.sql':
    "{{ config(materialized='view') }}\nselect id, user_id, ts, amount from {{ ref('raw_events') }}",
  'models/users.sql':
    "{{ config(materialized='table') }}\nselect user_id, count(*) as events from {{ ref('stg_events') }} group by all",
  'models/daily_amounts.sql':
    "{{ config(materialized='incremental', time_column='day', grain='day', start='2024-01-01') }}\nselect ts::date as day, sum(amount) as amount\nfrom {{ ref('stg_events') }}\nwhere ts >= {{ start }} and ts < {{ end }}\ngroup by all",
  'models/user_latest.sql':
    "{{ config(materialized='incremental', unique_key='user_id') }}\nselect user_id, max(ts) as last_at from {{ ref('stg_events') }} where ts < {{ end }} group by all",
};

let project: TempProject;
let engine: Engine;
const log: string[] = [];

beforeAll(async () => {
  project = tempProject(FILES);
  engine = await openDuckDB(':memory:');
  const clock = () => Date.UTC(2024, 0, 16, 2, 0, 0);
  const common = {
    project: project.root,
    target: 'duckdb::memory:',
    engine: recordingEngine(engine, log),
    clock,
    runId: () => 'run-1',
    date: Date.UTC(2024, 0, 15),
    // One connection, so that the log holds whole transactions one after another.
    threads: 1,
  };
  const first = await buildProject(common);
  expect(first.summary.failures).toEqual([]);
  log.push('-- second build: the tables exist now');
  const second = await buildProject({ ...common, runId: () => 'run-2' });
  expect(second.summary.failures).toEqual([]);
});

afterAll(async () => {
  await engine.close();
  project.cleanup();
});

/** The statements between BEGIN and COMMIT that touch `needle`, per transaction. */
function transactionsMentioning(needle: string): string {
  const out: string[] = [];
  let current: string[] | undefined;
  for (const sql of log) {
    // Statements that return nothing may reach the engine together, joined by ';\n'.
    if (sql.startsWith('BEGIN TRANSACTION')) current = [sql];
    else if (current) {
      current.push(sql);
      if (/(^|;\n)(COMMIT|ROLLBACK)$/.test(sql)) {
        if (current.some((s) => s.includes(needle))) out.push(current.join(';\n') + ';');
        current = undefined;
      }
    } else if (sql.startsWith('-- ')) out.push(sql);
  }
  return `${out.join('\n\n').replaceAll(project.root, '<project>')}\n`;
}

describe('golden SQL per materialization', () => {
  it.each([
    ['view', '"main"."stg_events"'],
    ['table', '"main"."users__etl_new"'],
    ['incremental', '"main"."daily_amounts"'],
    ['upsert', '"main"."user_latest"'],
    ['seed', 'read_csv('],
  ])('%s', async (kind, needle) => {
    await expect(transactionsMentioning(needle)).toMatchFileSnapshot(`../goldens/${kind}.sql`);
  });
});
