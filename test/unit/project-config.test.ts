import { describe, expect, it } from 'vitest';
import { parseProjectConfig } from '../../core/project/parse-config.js';
import { EtlError } from '../../core/errors.js';
import { parseTarget } from '../../core/engine/target.js';
import { literalConfig } from '../../core/project/literal-config.js';

const parse = (text: string) => parseProjectConfig(text, 'etl.yml', '/proj', 'proj');
const failure = (text: string): string => {
  try {
    parse(text);
  } catch (error) {
    if (!(error instanceof EtlError)) throw error;
    const at = error.location;
    return `${at?.file ?? ''}:${at?.line ?? ''}: ${error.message}`;
  }
  throw new Error('expected an error');
};

describe('etl.yml', () => {
  it('defaults every key', () => {
    expect(parse('')).toEqual({
      name: 'proj',
      target: undefined,
      targets: {},
      modelsDir: 'models',
      seedsDir: 'seeds',
      macrosDir: 'macros',
      testsDir: 'tests',
      vars: {},
      sources: {},
      seeds: {},
      modelFolders: [],
      seedFolders: [],
    });
  });

  it('reads every key', () => {
    const config = parse(`name: shop
target: duckdb:data/w.duckdb
vars: { country: NL, n: 3 }
sources:
  raw:
    events: { table: raw.events }
    clicks: { path: data/clicks/*.parquet }
seeds:
  customers:
    column_types: { id: INTEGER }
`);
    expect(config.name).toBe('shop');
    expect(config.sources.raw?.clicks).toEqual({ path: 'data/clicks/*.parquet' });
    expect(config.seeds.customers?.columnTypes).toEqual({ id: 'INTEGER' });
    expect(config.vars).toEqual({ country: 'NL', n: 3 });
  });

  it.each<[string, string]>([
    [
      'name: shop\nmodel_dir: m\n',
      "etl.yml:2: unknown key 'model_dir' in etl.yml (did you mean 'models_dir'?)",
    ],
    ['name: [1, 2]\n', "etl.yml:1: 'name' must be a non-empty string, got a list"],
    ['vars: 3\n', "etl.yml:1: 'vars' must be a mapping, got a number"],
    ['name: shop\nvars: [1, 2\n', 'etl.yml:3: invalid YAML: Flow sequence'],
    ['- just\n- a list\n', 'etl.yml:1: etl.yml must be a mapping, got a list'],
    ['target: mysql://x\n', "etl.yml:1: bad target in etl.yml 'mysql://x'"],
    [
      'sources:\n  raw:\n    events: { table: a, path: b }\n',
      "etl.yml:3: source 'raw.events' needs exactly one of",
    ],
    [
      'sources:\n  raw:\n    events: { tabel: a }\n',
      "etl.yml:3: unknown key 'tabel' in source 'raw.events' (did you mean 'table'?)",
    ],
    [
      'seeds:\n  c:\n    column_type: {}\n',
      "etl.yml:3: unknown key 'column_type' in seed 'c' (did you mean 'column_types'?)",
    ],
    ['name: a\nname: b\n', 'etl.yml:2: invalid YAML'],
  ])('%j is refused', (text, expected) => {
    expect(failure(text)).toContain(expected);
  });
});

describe('targets', () => {
  it.each([
    ['duckdb:warehouse.duckdb', { kind: 'duckdb', path: '/proj/warehouse.duckdb' }],
    ['duckdb:/abs/w.duckdb', { kind: 'duckdb', path: '/abs/w.duckdb' }],
    ['duckdb::memory:', { kind: 'duckdb', path: ':memory:' }],
    ['postgres://u:p@localhost:5432/db', { kind: 'postgres' }],
  ])('%s', (url, expected) => {
    expect(parseTarget(url, '/proj')).toMatchObject(expected);
  });

  it.each(['duckdb:', 'sqlite:x.db', 'postgres://u:secret@/db', 'warehouse.duckdb'])(
    '%s is refused',
    (url) => {
      expect(() => parseTarget(url, '/proj')).toThrow(/bad target/);
      expect(() => parseTarget(url, '/proj')).not.toThrow(/secret/);
    },
  );
});

describe('etl.yml models: (folder config)', () => {
  it('reads each level with its path, + removed, in order', () => {
    const config = parse(`models:
  +tags: [all]
  staging:
    materialized: view
    +schema: stg
  marts:
    finance:
      +materialized: table
`);
    expect(config.modelFolders.map((f) => [f.path, f.values, f.origin])).toEqual([
      [[], { tags: ['all'] }, 'etl.yml models'],
      [['staging'], { materialized: 'view', schema: 'stg' }, 'etl.yml models.staging'],
      [['marts'], {}, 'etl.yml models.marts'],
      [['marts', 'finance'], { materialized: 'table' }, 'etl.yml models.marts.finance'],
    ]);
  });

  it.each<[string, string]>([
    ['models: [a]\n', "etl.yml:1: 'models' must be a mapping of folders to config, got a list"],
    [
      'models:\n  a:\n    +grain: daily\n',
      "etl.yml:3: models.a.+grain: config grain='daily' is not one of hour, day, week, month",
    ],
    [
      'models:\n  a:\n    +schema: etl_state\n',
      "etl.yml:3: models.a.+schema: config schema='etl_state' is etl's own",
    ],
    [
      'models:\n  +enabled: no\n',
      "etl.yml:2: models.+enabled: config 'enabled' must be true or false",
    ],
  ])('%j is refused', (text, expected) => {
    expect(failure(text)).toContain(expected);
  });
});

describe('literal config() arguments', () => {
  it.each<[string, Record<string, unknown>]>([
    ['{{ config(enabled=false) }}', { enabled: false }],
    [
      "{{ config(materialized='ephemeral', tags=['a', 'b'], enabled = True) }}",
      { materialized: 'ephemeral', enabled: true },
    ],
    ["{{ config(enabled=var('x', false)) }}", {}],
    ['{{ config(enabled=false) }}\n{{ config(enabled=true) }}', { enabled: true }],
    ['{{ config(alias="a)b", materialized="table") }}', { alias: 'a)b', materialized: 'table' }],
    ['select 1', {}],
  ])('%s', (text, expected) => {
    expect(literalConfig(text)).toEqual(expected);
  });
});
