import { describe, expect, it } from 'vitest';
import { parseProjectConfig } from '../../core/project/parse-config.js';
import { EtlError } from '../../core/errors.js';
import { parseTarget } from '../../core/engine/target.js';

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
      modelsDir: 'models',
      seedsDir: 'seeds',
      vars: {},
      sources: {},
      seeds: {},
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
