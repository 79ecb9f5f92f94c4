import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/postgres.js';
import { runCli } from '../helpers/run-cli.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';

/**
 * A model whose SQL ends in a `-- comment` (a note at the end of the file, as people write
 * them): every materialization builds on both engines. Statements sent together are joined
 * by `;`, which such a comment swallowed with the statement after it.
 */
const TAIL = '\n-- a note at the end of the file';
const FILES = {
  'etl.yml': 'name: tail\n',
  'seeds/days.csv': 'd,n\n2024-01-01,1\n2024-01-02,2\n2024-01-03,3\n',
  'models/v.sql': `{{ config(materialized='view') }}\nselect d::date as d, n from {{ ref('days') }}${TAIL}`,
  'models/t.sql': `{{ config(materialized='table') }}\nselect * from {{ ref('v') }}${TAIL}`,
  'models/i.sql': `{{ config(materialized='incremental', time_column='d', grain='day', start='2024-01-01') }}\nselect d, n from {{ ref('v') }}\nwhere d >= {{ start }} and d < {{ end }} -- and a note on the last line`,
  'models/u.sql': `{{ config(materialized='incremental', unique_key='d', start='2024-01-01') }}\nselect d, sum(n) as n from {{ ref('v') }}\nwhere d >= {{ start }} and d < {{ end }}\ngroup by d${TAIL}`,
};

let project: TempProject;
let db: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  project = tempProject(FILES);
  db = await freshDatabase();
});
afterAll(async () => {
  await db.drop();
  project.cleanup();
});

describe('a model ending in a -- comment', () => {
  for (const engine of ['duckdb', 'postgres'] as const)
    it(`builds as a view, a table, an incremental and an upsert model on ${engine}`, () => {
      const target = engine === 'duckdb' ? [] : ['--target', db.url];
      const run = runCli(
        ['backfill', '--from', '2024-01-01', '--to', '2024-01-03', '--json', ...target],
        project.root,
      );
      expect(run.code, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout) as {
        partitions: { built: number };
        failures: unknown[];
      };
      expect(summary.failures).toEqual([]);
      expect(summary.partitions.built).toBe(6);
      // Built again as a whole: the table's swap and the view's replacement run too.
      const again = runCli(
        ['build', '--date', '2024-01-03', '--full-refresh', ...target],
        project.root,
      );
      expect(again.code, again.stderr).toBe(0);
    });
});
