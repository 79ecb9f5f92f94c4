import { afterEach, describe, expect, it } from 'vitest';
import { buildProject, planBuildProject } from '../../core/api/build.js';
import { projectStatus } from '../../core/api/status.js';
import { compileModels } from '../../core/api/compile.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';

/**
 * `state:` through the commands that read the ledger, on a real DuckDB file: build, edit
 * models, and select what changed. (The grammar itself is tested on a compiled graph in
 * selection.test.ts.)
 */
const projects: TempProject[] = [];
afterEach(() => {
  for (const p of projects.splice(0)) p.cleanup();
});
const DATE = Date.UTC(2024, 0, 2);
const daily = (extra: string): string =>
  `{{ config(materialized='incremental', time_column='d', start='2024-01-01') }}
select d${extra} from {{ ref('stg') }} where d >= {{ start }} and d < {{ end }}`;

function built(): TempProject {
  const p = tempProject({
    'seeds/raw.csv': 'd\n2024-01-01\n2024-01-02\n',
    'models/stg.sql': "select cast(d as timestamp) as d from {{ ref('raw') }}",
    'models/daily.sql': daily(''),
    'models/other.sql': "{{ config(materialized='table') }} select 1 as x",
  });
  projects.push(p);
  return p;
}
const options = (p: TempProject, select: string[], exclude: string[] = []) => ({
  project: p.root,
  target: `duckdb:${p.warehouse}`,
  date: DATE,
  select,
  exclude,
});
const planned = async (p: TempProject, select: string[], exclude: string[] = []) =>
  [
    ...new Set((await planBuildProject(options(p, select, exclude))).steps.map((s) => s.model)),
  ].sort();

describe('state: selectors against the warehouse', () => {
  it('plan and build select what changed since it was built', async () => {
    const p = built();
    expect(await planned(p, ['state:new'])).toEqual(['daily', 'other', 'raw', 'stg']);
    await buildProject(options(p, []));
    // Nothing modified: nothing to do (not an error: a CI job that builds what changed).
    expect(await planned(p, ['state:modified'])).toEqual([]);

    p.write('models/stg.sql', "select cast(d as timestamp) as d, 1 as y from {{ ref('raw') }}");
    p.write('models/other.sql', "{{ config(materialized='table') }} select 2 as x");
    // stg is a view: daily's fingerprint includes it, so daily changed too.
    expect(await planned(p, ['state:modified'])).toEqual(['daily', 'other', 'stg']);
    expect(await planned(p, ['state:modified'], ['other'])).toEqual(['daily', 'stg']);
    expect(await planned(p, ['state:new'])).toEqual([]);

    const { summary } = await buildProject(options(p, ['state:modified,other']));
    expect(summary.status).toBe('success');
    expect(await planned(p, ['state:modified'])).toEqual(['daily', 'stg']);
    // A seed counts as modified when its file changed since it was loaded.
    p.write('seeds/raw.csv', 'd\n2024-01-01\n');
    expect(await planned(p, ['state:modified'])).toEqual(['daily', 'raw', 'stg']);
  });

  it('status selects what changed', async () => {
    const p = built();
    await buildProject(options(p, []));
    const status = async (select: string[]) =>
      (await projectStatus({ ...options(p, select), until: DATE })).map((m) => m.name);
    expect(await status(['state:modified'])).toEqual([]);
    p.write('models/daily.sql', daily(', 1 as y'));
    expect(await status(['state:modified'])).toEqual(['daily']);
  });

  it('commands that do not read the warehouse refuse state:', async () => {
    const p = built();
    await expect(compileModels({ project: p.root, select: ['state:modified'] })).rejects.toThrow(
      /state:modified needs a warehouse to compare with/,
    );
  });
});
