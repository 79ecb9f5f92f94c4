import { describe, expect, it } from 'vitest';
import { loadProject } from '../../core/project/load-project.js';
import type { Project } from '../../core/project/project.js';
import type { CompiledModel } from '../../core/compile/compiled-graph.js';
import { compileProject } from '../../core/compile/compile-project.js';
import { parseTarget } from '../../core/engine/target.js';
import { EtlError, ProjectErrors } from '../../core/errors.js';
import { tempProject } from '../helpers/temp-project.js';

const DBT_PROJECT = `name: jaffle_shop
version: '1.0.0'
config-version: 2
profile: jaffle_shop
model-paths: ["transform"]
seed-paths: ["data"]
macro-paths: ["macros_here"]
test-paths: ["checks"]
target-path: target
clean-targets: [target, dbt_packages]
require-dbt-version: ">=1.5.0"
on-run-start: ["select 1"]
vars:
  country: NL
  limit: 5
  jaffle_shop:
    limit: 10
models:
  jaffle_shop:
    +persist_docs: { relation: true }
    staging:
      +materialized: view
      +tags: [staging]
    marts:
      +materialized: table
      +post-hook: "grant select on {{ this }} to reporter"
      legacy:
        +enabled: false
  dbt_utils:
    +materialized: view
seeds:
  jaffle_shop:
    +quote_columns: false
    raw:
      +column_types: { id: BIGINT }
      raw_orders:
        +column_types: { amount: DOUBLE }
    off:
      +enabled: false
`;

const FILES = {
  'dbt_project.yml': DBT_PROJECT,
  'transform/staging/stg_orders.sql': "select * from {{ ref('raw_orders') }}",
  'transform/marts/orders.sql':
    "select *, {{ var('limit') }} as lim, {{ var('country') }} as c from {{ ref('stg_orders') }}",
  'transform/marts/legacy/old.sql': 'select * from nowhere',
  'data/raw/raw_orders.csv': 'id,amount\n1,2.5\n',
  'data/raw/raw_customers.csv': 'id,name\n1,a\n',
  'data/off/raw_unused.csv': 'id\n1\n',
  'checks/no_negative.sql': "select * from {{ ref('orders') }} where 1 = 0",
};

const withProject = <T>(files: Record<string, string>, fn: (p: Project) => T): T => {
  const dir = tempProject(files);
  try {
    return fn(loadProject(dir.root));
  } finally {
    dir.cleanup();
  }
};

const failure = (files: Record<string, string>): string => {
  try {
    withProject(files, () => undefined);
  } catch (error) {
    if (!(error instanceof EtlError)) throw error;
    const e = error instanceof ProjectErrors ? (error.errors[0] ?? error) : error;
    return `${e.location?.file ?? ''}:${e.location?.line ?? ''}: ${e.message}`;
  }
  throw new Error('expected an error');
};

describe('a folder with only dbt_project.yml', () => {
  it('is read as the project: name, paths and vars (project-scoped vars win)', () => {
    withProject(FILES, (p) => {
      expect(p.configFile).toBe('dbt_project.yml');
      expect(p.config).toMatchObject({
        name: 'jaffle_shop',
        target: undefined,
        modelsDir: 'transform',
        seedsDir: 'data',
        macrosDir: 'macros_here',
        testsDir: 'checks',
        vars: { country: 'NL', limit: 10 },
      });
      expect(p.testFiles.map((f) => f.relPath)).toEqual(['checks/no_negative.sql']);
    });
  });

  it('applies models: below the project-name level, and enabled: false', () => {
    withProject(FILES, (p) => {
      const compiled = compileProject(p, { target: parseTarget('duckdb::memory:', p.root) });
      const config = (name: string) => (compiled.nodes.get(name) as CompiledModel).config;
      expect(config('stg_orders').materialized).toBe('view');
      expect(config('stg_orders').tags).toEqual(['staging']);
      expect(config('orders').materialized).toBe('table');
      expect(compiled.nodes.has('old')).toBe(false);
      expect(p.models.find((m) => m.name === 'old')?.disabledBy).toBe(
        'enabled: false in dbt_project.yml models.jaffle_shop.marts.legacy',
      );
    });
  });

  it('applies seeds: by folder (column types merged, deeper wins) and leaves disabled ones out', () => {
    withProject(FILES, (p) => {
      expect(p.seeds.map((s) => [s.relPath, s.columnTypes])).toEqual([
        ['data/raw/raw_customers.csv', { id: 'BIGINT' }],
        ['data/raw/raw_orders.csv', { id: 'BIGINT', amount: 'DOUBLE' }],
      ]);
    });
  });

  it('lists every key etl ignores once, in one warning for the file', () => {
    withProject(FILES, (p) => {
      expect(p.warnings).toEqual([
        'dbt_project.yml: etl ignores: profile, target-path, clean-targets, on-run-start, models.jaffle_shop.+persist_docs, models.jaffle_shop.marts.+post-hook, models.dbt_utils, seeds.jaffle_shop.+quote_columns (etl does not support them)',
      ]);
    });
  });

  it('warns about a folder that does not exist under the project level', () => {
    withProject(
      {
        'dbt_project.yml': 'name: p\nmodels:\n  p:\n    stagign:\n      +materialized: table\n',
        'models/staging/a.sql': 'select 1',
      },
      (p) => {
        expect(p.warnings).toEqual([
          "dbt_project.yml:4: models.p.stagign names no folder, model or seed under models/ (did you mean 'staging'?): its config applies to nothing",
        ]);
      },
    );
  });

  it('uses defaults for what it does not say, and the folder name when there is no name', () => {
    withProject({ 'dbt_project.yml': 'profile: x\n', 'models/a.sql': 'select 1' }, (p) => {
      expect(p.config.modelsDir).toBe('models');
      expect(p.config.seedsDir).toBe('seeds');
      expect(p.config.testsDir).toBe('tests');
      expect(p.config.macrosDir).toBe('macros');
      expect(p.config.name).toMatch(/^etl-test-/);
      expect(p.models.map((m) => m.name)).toEqual(['a']);
    });
  });

  it('refuses more than one model path, naming the key and the file', () => {
    expect(failure({ 'dbt_project.yml': 'name: p\nmodel-paths: [models, more_models]\n' })).toBe(
      "dbt_project.yml:2: 'model-paths' lists 2 folders (models, more_models): etl reads one folder of each kind",
    );
  });

  it('validates supported config values, naming dbt_project.yml and the key path', () => {
    expect(
      failure({
        'dbt_project.yml': 'name: p\nmodels:\n  p:\n    marts:\n      +materialized: tabel\n',
      }),
    ).toBe(
      "dbt_project.yml:5: models.p.marts.+materialized: config materialized='tabel' is not one of view, table, incremental (did you mean 'table'?)",
    );
    expect(
      failure({
        'dbt_project.yml': 'name: p\nseeds:\n  p:\n    +column_types: [a]\n',
      }),
    ).toBe(
      'dbt_project.yml:4: seeds.p.+column_types: column_types must map column names to type names',
    );
  });

  it('with etl.yml beside it, etl.yml is the project file and dbt_project.yml is ignored, with a warning', () => {
    withProject(
      {
        'etl.yml': 'name: mine\n',
        'dbt_project.yml': 'name: theirs\nmodel-paths: [elsewhere]\n',
        'models/a.sql': 'select 1',
      },
      (p) => {
        expect(p.configFile).toBe('etl.yml');
        expect(p.config.name).toBe('mine');
        expect(p.config.modelsDir).toBe('models');
        expect(p.warnings).toEqual([
          'dbt_project.yml is ignored: etl.yml is the project file (move what etl should read from dbt_project.yml into it)',
        ]);
      },
    );
  });

  it('etl.yml keeps refusing unknown top-level keys', () => {
    expect(failure({ 'etl.yml': 'name: p\nprofile: x\n' })).toBe(
      "etl.yml:2: unknown key 'profile' in etl.yml",
    );
  });
});

describe('etl.yml directories', () => {
  it('reads macros_dir and tests_dir; singular tests come from tests_dir', () => {
    withProject(
      {
        'etl.yml': 'macros_dir: lib/macros\ntests_dir: checks\n',
        'models/a.sql': 'select 1',
        'checks/t.sql': "select * from {{ ref('a') }} where false",
        'tests/ignored.sql': 'select 1',
      },
      (p) => {
        expect(p.config.macrosDir).toBe('lib/macros');
        expect(p.config.testsDir).toBe('checks');
        expect(p.testFiles.map((f) => f.relPath)).toEqual(['checks/t.sql']);
      },
    );
  });

  it('refuses a tests_dir outside the project', () => {
    expect(failure({ 'etl.yml': 'tests_dir: ../x\n' })).toContain(
      "etl.yml:1: 'tests_dir' must be a folder inside the project",
    );
  });
});
