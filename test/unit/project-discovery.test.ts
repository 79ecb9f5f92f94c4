import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findProjectRoot } from '../../core/project/find-project.js';
import { openProject } from '../../core/api/open-project.js';
import { EtlError } from '../../core/errors.js';
import { compileProject } from '../../core/compile/compile-project.js';
import { loadProject } from '../../core/project/load-project.js';
import { parseTarget } from '../../core/engine/target.js';
import { renderModel } from '../../core/compile/compile-project.js';
import { windowContaining } from '../../core/time/window.js';
import type { CompiledGraph } from '../../core/compile/compiled-graph.js';

/** Model `a` rendered for a day. */
function sqlOf(compiled: CompiledGraph): string {
  const node = compiled.nodes.get('a');
  if (node?.kind !== 'model') throw new Error('no model a');
  return renderModel(compiled, node, {
    window: windowContaining(Date.UTC(2024, 0, 1), 'day'),
    isIncremental: false,
  });
}

const base = realpathSync(mkdtempSync(join(tmpdir(), 'etl-discovery-')));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A folder under the temp folder, with these files (relative paths to contents). */
function folder(name: string, files: Record<string, string> = {}): string {
  const root = join(base, name);
  mkdirSync(root, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return root;
}

describe('finding the project', () => {
  const etl = folder('etl', { 'etl.yml': 'name: shop\n', 'models/a.sql': 'select 1 as x\n' });
  const deep = folder('etl/models/staging/deeper');
  const dbt = folder('dbt', { 'dbt_project.yml': 'name: shop\n' });
  const yaml = folder('yaml', { 'etl.yaml': '' });
  const bare = folder('bare', { 'models/a.sql': 'select 1 as x\n' });
  const bareSub = folder('bare/models/sub');
  const none = folder('none/sub');

  it.each([
    ['the working folder', etl, etl],
    ['a folder above (etl.yml)', deep, etl],
    ['a folder above (dbt_project.yml)', folder('dbt/x/y'), dbt],
    ['a folder above (etl.yaml)', folder('yaml/z'), yaml],
    ['the working folder with only models/', bare, bare],
  ])('finds %s', (_what, cwd, expected) => {
    expect(findProjectRoot({ cwd, env: {} })).toBe(expected);
  });

  it('does not take a models/ folder above the working folder for a project', () => {
    expect(() => findProjectRoot({ cwd: bareSub, env: {} })).toThrow(/no etl project here/);
  });

  it('says so when there is no project here or above', () => {
    try {
      findProjectRoot({ cwd: none, env: {} });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EtlError);
      expect((error as EtlError).code).toBe('E_PROJECT');
      expect((error as EtlError).exitCode).toBe(2);
      expect((error as EtlError).message).toBe(
        `no etl project here or above: ${none} (no etl.yml or dbt_project.yml); run etl init, or pass --project-dir`,
      );
    }
  });

  it('takes a given folder, then ETL_PROJECT_DIR, over the search (relative to the working folder)', () => {
    const env = { ETL_PROJECT_DIR: '../../bare' };
    expect(findProjectRoot({ cwd: none, env })).toBe(bare);
    expect(findProjectRoot({ cwd: none, env, dir: join(base, 'dbt') })).toBe(dbt);
    expect(findProjectRoot({ cwd: deep, env: { ETL_PROJECT_DIR: '' } })).toBe(etl);
  });

  it('refuses a given folder that is no project, naming how it was given', () => {
    expect(() => findProjectRoot({ cwd: etl, env: {}, dir: none })).toThrow(
      `no etl project in ${none} (--project-dir): it has no etl.yml, dbt_project.yml, models/ or seeds/`,
    );
    expect(() => findProjectRoot({ cwd: etl, env: { ETL_PROJECT_DIR: none } })).toThrow(
      /\(ETL_PROJECT_DIR\)/,
    );
    // A folder that does not exist is reported by loadProject ("project directory not found").
    expect(findProjectRoot({ cwd: etl, env: {}, dir: 'missing' })).toBe(join(etl, 'missing'));
  });
});

describe('opening a project from a subfolder', () => {
  const root = folder('open', {
    'etl.yml': `targets:
  dev: "duckdb:dev.duckdb"
  prod: "duckdb:\${PROD_DB:-prod.duckdb}"
target: dev
sources:
  raw:
    local: { path: "data/*.parquet" }
    s3: { path: "s3://bucket/events/*.parquet" }
    gcs: { path: "gs://bucket/e.csv.gz" }
    web: { path: "https://example.com/d.jsonl.gz?raw=1" }
    zipped: { path: "data/x.tsv.gz" }
    az: { path: "az://c/y.json" }
    hf: { path: "hf://datasets/u/d/*.parquet" }
`,
    'models/a.sql': `select '{{ target.name }}' as t, * from {{ source('raw', 'local') }}
union all select '{{ target.name }}', * from {{ source('raw', 's3') }}
union all select 'x', * from {{ source('raw', 'gcs') }}
union all select 'x', * from {{ source('raw', 'web') }}
union all select 'x', * from {{ source('raw', 'zipped') }}
union all select 'x', * from {{ source('raw', 'az') }}
union all select 'x', * from {{ source('raw', 'hf') }}
`,
  });
  const sub = folder('open/models/x');
  const cwd = process.cwd();

  const open = (options: Parameters<typeof openProject>[0]) => {
    process.chdir(sub);
    try {
      return openProject({ env: {}, ...options });
    } finally {
      process.chdir(cwd);
    }
  };

  it("resolves the project's relative paths against its root, not the working folder", () => {
    const { project, compiled } = open({});
    expect(project.root).toBe(root);
    expect(compiled.target).toMatchObject({ path: join(root, 'dev.duckdb'), name: 'dev' });
    const sql = sqlOf(compiled);
    expect(sql).toContain(`read_parquet('${root}/data/*.parquet')`);
  });

  it('passes remote source paths through, reading compressed files by what they hold', () => {
    const sql = sqlOf(open({ target: 'prod' }).compiled);
    expect(sql).toContain("select 'prod' as t");
    for (const read of [
      "read_parquet('s3://bucket/events/*.parquet')",
      "read_csv('gs://bucket/e.csv.gz')",
      "read_json_auto('https://example.com/d.jsonl.gz?raw=1')",
      `read_csv('${root}/data/x.tsv.gz')`,
      "read_json_auto('az://c/y.json')",
      "read_parquet('hf://datasets/u/d/*.parquet')",
    ])
      expect(sql).toContain(read);
  });

  it('reads ${ENV} in etl.yml from the given environment', () => {
    const { compiled } = open({ target: 'prod', env: { PROD_DB: 'p2.duckdb' } });
    expect(compiled.target).toMatchObject({ path: join(root, 'p2.duckdb'), name: 'prod' });
  });

  it('keeps the name when it compiles for a throwaway in-memory database', () => {
    process.chdir(sub);
    try {
      const { compiled } = openProject({ env: {}, target: 'prod' }, true);
      expect(compiled.target).toMatchObject({ path: ':memory:', name: 'prod' });
    } finally {
      process.chdir(cwd);
    }
  });

  it('still loads a given folder without etl.yml (only models/)', () => {
    const p = loadProject(folder('given', { 'models/b.sql': 'select 2 as y\n' }));
    const compiled = compileProject(p, { target: parseTarget('duckdb::memory:', p.root) });
    expect([...compiled.nodes.keys()]).toEqual(['b']);
  });
});
