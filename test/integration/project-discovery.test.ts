import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { runCli } from '../helpers/run-cli.js';
import { queryFile } from '../helpers/duckdb.js';

let project: TempProject | undefined;
const folders: string[] = [];
afterEach(() => {
  project?.cleanup();
  project = undefined;
  for (const f of folders.splice(0)) rmSync(f, { recursive: true, force: true });
});

/** A temp project with named targets, a seed and a local file source; `sub/a/b` is nested in it. */
function shop(): { root: string; nested: string } {
  project = tempProject({
    'etl.yml': `name: shop
targets:
  dev: "duckdb:\${DEV_DB:-dev.duckdb}"
  prod: "duckdb:prod.duckdb"
target: dev
sources:
  raw:
    visits: { path: data/visits.csv }
`,
    'data/visits.csv': 'id,page\n1,home\n2,cart\n',
    'seeds/pages.csv': 'page,title\nhome,Home\ncart,Cart\n',
    'models/staging/stg_visits.sql': `{{ config(materialized='table') }}
select v.id, p.title, '{{ target.name }}' as target_name
from {{ source('raw', 'visits') }} v join {{ ref('pages') }} p using (page)`,
  });
  const nested = join(project.root, 'sub', 'a', 'b');
  mkdirSync(nested, { recursive: true });
  return { root: realpathSync(project.root), nested };
}

/** An empty temp folder, no project in it nor above it. */
function emptyFolder(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'etl-noproject-')));
  folders.push(dir);
  mkdirSync(join(dir, 'x'));
  return join(dir, 'x');
}

describe('finding the project from a subfolder', () => {
  it('dag, plan and build work from a nested folder and write the warehouse at the root', async () => {
    const { root, nested } = shop();
    const dag = runCli(['dag', '--format', 'json'], nested);
    expect(dag.stderr).toBe('');
    expect(dag.code).toBe(0);
    expect(dag.stdout).toContain('stg_visits');
    expect(dag.stdout).toContain('pages');

    const plan = runCli(['plan', '--date', '2024-01-02'], nested);
    expect(plan.code).toBe(0);
    expect(plan.stdout + plan.stderr).toContain('stg_visits');

    const build = runCli(['build', '--date', '2024-01-02', '--quiet'], nested);
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    expect(existsSync(join(root, 'dev.duckdb'))).toBe(true);
    expect(existsSync(join(nested, 'dev.duckdb'))).toBe(false);
    expect(
      await queryFile(
        join(root, 'dev.duckdb'),
        'select id, title, target_name from main.stg_visits order by id',
      ),
    ).toEqual([
      { id: '1', title: 'Home', target_name: 'dev' },
      { id: '2', title: 'Cart', target_name: 'dev' },
    ]);
  });

  it('a named --target and ${ENV} in etl.yml pick the warehouse; {{ target.name }} is the name', async () => {
    const { root, nested } = shop();
    expect(
      runCli(['build', '--date', '2024-01-02', '--target', 'prod', '--quiet'], nested).code,
    ).toBe(0);
    expect(
      await queryFile(
        join(root, 'prod.duckdb'),
        'select distinct target_name from main.stg_visits',
      ),
    ).toEqual([{ target_name: 'prod' }]);
    expect(
      runCli(['build', '--date', '2024-01-02', '--quiet'], nested, { DEV_DB: 'env.duckdb' }).code,
    ).toBe(0);
    expect(existsSync(join(root, 'env.duckdb'))).toBe(true);

    const typo = runCli(['dag', '--target', 'prd'], nested, { ETL_TARGET: '' });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("unknown target 'prd' (--target): did you mean 'prod'?");
    expect(typo.stderr).toContain("etl.yml's targets are: dev, prod");
  });

  it('a folder with no project here or above is an error (exit 2), not an empty graph', () => {
    const dir = emptyFolder();
    for (const command of [['dag'], ['plan'], ['build', '--date', '2024-01-02']]) {
      const result = runCli(command, dir);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(
        `error[E_PROJECT]: no etl project here or above: ${dir} (no etl.yml or dbt_project.yml); run etl init, or pass --project-dir`,
      );
    }
    const json = runCli(['dag', '--json'], dir);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'error',
      error: { code: 'E_PROJECT' },
    });
  });

  it('ETL_PROJECT_DIR and --project-dir (then --project) name the project from elsewhere', () => {
    const { root, nested } = shop();
    const elsewhere = emptyFolder();
    const viaEnv = runCli(['dag'], elsewhere, { ETL_PROJECT_DIR: root });
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.stdout).toContain('stg_visits');

    const viaFlag = runCli(
      ['--project-dir', root, 'build', '--date', '2024-01-02', '--quiet'],
      elsewhere,
    );
    expect(viaFlag.stderr).toBe('');
    expect(viaFlag.code).toBe(0);
    expect(existsSync(join(root, 'dev.duckdb'))).toBe(true);
    expect(existsSync(join(elsewhere, 'dev.duckdb'))).toBe(false);

    // The flag beats the environment, which beats the search.
    const flagWins = runCli(['dag', '--project-dir', root], nested, { ETL_PROJECT_DIR: elsewhere });
    expect(flagWins.code).toBe(0);
    expect(flagWins.stdout).toContain('stg_visits');
    const envWins = runCli(['dag'], nested, { ETL_PROJECT_DIR: elsewhere });
    expect(envWins.code).toBe(2);
    expect(envWins.stderr).toContain(
      `no etl project in ${elsewhere} (ETL_PROJECT_DIR): it has no etl.yml, dbt_project.yml, models/ or seeds/`,
    );

    const both = runCli(['dag', '--project-dir', root, '--project', elsewhere], nested);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('name different folders');
  });

  it('a folder with only models/ (no etl.yml) is still a project when etl runs in it', () => {
    const dir = emptyFolder();
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'models', 'm.sql'), 'select 1 as x');
    const result = runCli(['dag'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('m');
  });
});
