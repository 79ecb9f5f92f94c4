import { describe, expect, it } from 'vitest';
import { loadProject } from '../../core/project/load-project.js';
import type { CompiledModel } from '../../core/compile/compiled-graph.js';
import { compileErrors, compileFiles } from '../helpers/compile.js';
import { tempProject } from '../helpers/temp-project.js';
import { EtlError, ProjectErrors } from '../../core/errors.js';

const model = (files: Record<string, string>, name: string): CompiledModel => {
  const node = compileFiles(files).nodes.get(name);
  if (node?.kind !== 'model') throw new Error(`no model ${name}`);
  return node;
};

/** The project's warnings, or its load errors as `file:line: message`. */
const load = (files: Record<string, string>): { warnings: readonly string[]; models: string[] } => {
  const project = tempProject(files);
  try {
    const loaded = loadProject(project.root);
    return {
      warnings: loaded.warnings,
      models: loaded.models.filter((m) => m.disabledBy === undefined).map((m) => m.name),
    };
  } finally {
    project.cleanup();
  }
};
const loadErrors = (files: Record<string, string>): string[] => {
  try {
    load(files);
  } catch (error) {
    if (!(error instanceof EtlError)) throw error;
    const list = error instanceof ProjectErrors ? error.errors : [error];
    return list.map((e) => `${e.location?.file ?? ''}:${e.location?.line ?? ''}: ${e.message}`);
  }
  throw new Error('expected an error');
};

describe('folder config (models: in etl.yml)', () => {
  const files = {
    'etl.yml': `models:
  +tags: [all]
  staging:
    materialized: table
  marts:
    +tags: finance
    +schema: marts
    finance:
      +materialized: table
      +tags: [money]
`,
    'models/staging/stg.sql': 'select 1 as id',
    'models/marts/m.sql': 'select 1 as id',
    'models/marts/finance/f.sql': "select * from {{ ref('stg') }}",
    'models/marts/finance/g.sql': "{{ config(materialized='view', tags=['own']) }} select 1 as id",
    'models/other.sql': 'select 1 as id',
  };

  it('applies a folder and its subfolders, the more specific folder winning', () => {
    expect(model(files, 'stg').config.materialized).toBe('table');
    expect(model(files, 'm').config.materialized).toBe('view');
    expect(model(files, 'm').config.schema).toBe('marts');
    expect(model(files, 'f').config.materialized).toBe('table');
    expect(model(files, 'f').config.schema).toBe('marts');
    expect(model(files, 'other').config.materialized).toBe('view');
  });

  it("lets the model's own config() win, and adds tags up from every level", () => {
    expect(model(files, 'g').config.materialized).toBe('view');
    expect(model(files, 'f').config.tags).toEqual(['all', 'finance', 'money']);
    expect(model(files, 'g').config.tags).toEqual(['all', 'finance', 'money', 'own']);
    expect(model(files, 'other').config.tags).toEqual(['all']);
  });

  it("orders folder < nested folder < schema file config: < the model's config()", () => {
    const layered = {
      'etl.yml': `models:
  a:
    +materialized: table
    +grain: hour
    +lookback: 1
    b:
      +materialized: incremental
      +time_column: ts
      +grain: day
`,
      'models/a/b/schema.yml': `models:
  - name: one
    config: { grain: week, tags: [schema] }
  - name: two
    config: { grain: week, lookback: 2 }
`,
      'models/a/b/one.sql': "{{ config(grain='month') }} select now() as ts",
      'models/a/b/two.sql': 'select now() as ts',
      'models/a/three.sql': 'select 1 as x',
    };
    const one = model(layered, 'one');
    expect([one.config.materialized, one.config.grain, one.config.lookback]).toEqual([
      'incremental',
      'month',
      1,
    ]);
    expect(one.config.tags).toEqual(['schema']);
    const two = model(layered, 'two');
    expect([two.config.grain, two.config.lookback, two.config.timeColumn]).toEqual([
      'week',
      2,
      'ts',
    ]);
    expect(model(layered, 'three').config.materialized).toBe('table');
  });

  it('a key without + is config when etl knows it, otherwise a folder (dbt rule)', () => {
    const tricky = {
      'etl.yml': `models:
  tags: [t]
  grain_folder:
    materialized: table
`,
      'models/grain_folder/x.sql': 'select 1',
      'models/y.sql': 'select 1',
    };
    expect(model(tricky, 'x').config.materialized).toBe('table');
    expect(model(tricky, 'x').config.tags).toEqual(['t']);
    expect(model(tricky, 'y').config.materialized).toBe('view');
  });

  it('can configure one model by name under its folders', () => {
    const byName = {
      'etl.yml': 'models:\n  staging:\n    s1:\n      +materialized: table\n',
      'models/staging/s1.sql': 'select 1',
      'models/staging/s2.sql': 'select 1',
    };
    expect(model(byName, 's1').config.materialized).toBe('table');
    expect(model(byName, 's2').config.materialized).toBe('view');
  });

  it('validates values like config(), naming etl.yml, the line and the key path', () => {
    expect(
      loadErrors({
        'etl.yml': 'models:\n  staging:\n    +materialized: tabel\n    +lookback: -1\n',
        'models/staging/a.sql': 'select 1',
      }),
    ).toEqual([
      "etl.yml:3: models.staging.+materialized: config materialized='tabel' is not one of view, table, incremental (did you mean 'table'?)",
      "etl.yml:4: models.staging.+lookback: config 'lookback' must be an integer >= 0, got -1",
    ]);
  });

  it('refuses, in etl.yml, a + key etl has no config for', () => {
    expect(
      loadErrors({
        'etl.yml': 'models:\n  +materialised: table\n  +persist_docs: {}\n',
      }),
    ).toEqual([
      "etl.yml:2: models.+materialised: etl has no model config 'materialised' (did you mean 'materialized'?)",
      "etl.yml:3: models.+persist_docs: etl has no model config 'persist_docs'",
    ]);
  });

  it('a misspelt config key with a value that is no mapping is an error, not a folder', () => {
    expect(
      loadErrors({ 'etl.yml': 'models:\n  staging:\n    materialised: table\n' })[0],
    ).toContain(
      "etl.yml:3: models.staging.materialised: 'materialised' is no config key (did you mean 'materialized'?)",
    );
  });

  it('says when a folder key names no folder, once, with a suggestion', () => {
    const { warnings } = load({
      'etl.yml': 'models:\n  stagin:\n    +materialized: table\n    deeper:\n      +tags: [x]\n',
      'models/staging/a.sql': 'select 1',
    });
    expect(warnings).toEqual([
      "etl.yml:2: models.stagin names no folder, model or seed under models/ (did you mean 'staging'?): its config applies to nothing",
    ]);
  });

  it('a cross-key problem of an inherited value says where it was set', () => {
    const [error] = compileErrors({
      'etl.yml': 'models:\n  facts:\n    +materialized: incremental\n',
      'models/facts/f.sql': 'select 1',
    });
    expect(error).toBe(
      'models/facts/f.sql: incremental model needs config time_column (windowed delete+insert) or unique_key (upsert by key) [materialized is set in etl.yml models.facts]',
    );
  });
});

describe('enabled: false', () => {
  it('leaves models out: by folder, by schema file, by a literal config()', () => {
    const files = {
      'etl.yml': 'models:\n  old:\n    +enabled: false\n',
      'models/old/legacy.sql': 'select * from {{ nope }}',
      'models/old/revived.sql': '{{ config(enabled=true) }} select 1',
      'models/schema.yml':
        'models:\n  - name: hidden\n    description: still documented\n    config: { enabled: false }\n',
      'models/hidden.sql': 'select 1',
      'models/off.sql': "{{ config(enabled=False, materialized='table') }} select 1",
      'models/kept.sql': 'select 1',
    };
    expect(load(files).models).toEqual(['kept', 'revived']);
    expect([...compileFiles(files).nodes.keys()].sort()).toEqual(['kept', 'revived']);
  });

  it('a model that refs a disabled one is an error naming why it is disabled', () => {
    expect(
      compileErrors({
        'etl.yml': 'models:\n  old:\n    +enabled: false\n',
        'models/old/legacy.sql': 'select 1 as id',
        'models/new.sql': "select *\nfrom {{ ref('legacy') }}",
      }),
    ).toEqual([
      "models/new.sql:2:9: model 'new' refs 'legacy', which is disabled (enabled: false in etl.yml models.old) [enable 'legacy' or disable 'new' too]",
    ]);
  });

  it('a computed enabled=false is an error: models are chosen before rendering', () => {
    const [error] = compileErrors({
      'models/m.sql': "{{ config(enabled=var('on', false)) }} select 1",
    });
    expect(error).toContain("config(enabled=false) of model 'm' is computed, not a literal");
  });
});

describe('ephemeral', () => {
  it('is built as a view, with one warning naming the models', () => {
    const files = {
      'etl.yml': 'models:\n  eph:\n    +materialized: ephemeral\n',
      'models/eph/e1.sql': 'select 1',
      'models/e2.sql': "{{ config(materialized='ephemeral') }} select 1",
    };
    expect(model(files, 'e1').config.materialized).toBe('view');
    expect(model(files, 'e2').config.materialized).toBe('view');
    expect(load(files).warnings).toEqual([
      "materialized 'ephemeral' is built as a view (etl cannot inline a model into the models that ref it): e2, e1",
    ]);
  });
});

describe("a schema file's config:", () => {
  it('applies (materialized: table there no longer leaves a view)', () => {
    const files = {
      'models/schema.yml': 'models:\n  - name: m\n    config:\n      materialized: table\n',
      'models/m.sql': 'select 1',
    };
    expect(model(files, 'm').config.materialized).toBe('table');
  });

  it('is validated at its line; dbt-only keys are listed once as ignored', () => {
    expect(
      loadErrors({
        'models/schema.yml':
          'models:\n  - name: m\n    config:\n      materialized: tabel\n      materialised: view\n',
        'models/m.sql': 'select 1',
      }),
    ).toEqual([
      "models/schema.yml:5: unknown config key 'materialised' of model 'm' (did you mean 'materialized'?)",
      "models/schema.yml:4: model 'm': config materialized='tabel' is not one of view, table, incremental (did you mean 'table'?)",
    ]);
    const { warnings } = load({
      'models/schema.yml':
        'models:\n  - name: m\n    config: { meta: {a: 1}, contract: {enforced: true} }\n  - name: n\n    config: { docs: {show: false} }\n',
      'models/m.sql': 'select 1',
      'models/n.sql': 'select 1',
    });
    expect(warnings).toEqual([
      'models/schema.yml: etl ignores: m.config.meta, m.config.contract, n.config.docs (etl does not support them)',
    ]);
  });
});
