import { describe, expect, it } from 'vitest';
import { loadProject } from '../../core/project/load-project.js';
import { EtlError, ProjectErrors } from '../../core/errors.js';
import { compileFiles } from '../helpers/compile.js';
import { tempProject } from '../helpers/temp-project.js';

const loadErrors = (files: Record<string, string>): string[] => {
  const dir = tempProject(files);
  try {
    loadProject(dir.root);
  } catch (error) {
    if (!(error instanceof EtlError)) throw error;
    const list = error instanceof ProjectErrors ? error.errors : [error];
    return list.map((e) => `${e.location?.file ?? ''}: ${e.message}`);
  } finally {
    dir.cleanup();
  }
  throw new Error('expected an error');
};

describe('seeds in subfolders', () => {
  it('are found at any depth, named by their base name, and can be ref()d', () => {
    const compiled = compileFiles({
      'seeds/raw/shop/orders.csv': 'id\n1\n',
      'seeds/countries.csv': 'code\nNL\n',
      'models/m.sql': "select * from {{ ref('orders') }} join {{ ref('countries') }} on true",
    });
    const orders = compiled.nodes.get('orders');
    expect(orders?.kind).toBe('seed');
    expect(orders?.file).toBe('seeds/raw/shop/orders.csv');
    expect(compiled.graph.parents('m')).toEqual(['orders', 'countries']);
  });

  it('two seeds of one name in different folders are an error naming both files', () => {
    expect(
      loadErrors({ 'seeds/a/orders.csv': 'id\n1\n', 'seeds/b/orders.csv': 'id\n2\n' }),
    ).toEqual([
      "seeds/b/orders.csv: duplicate name 'orders': defined by seeds/a/orders.csv and seeds/b/orders.csv",
    ]);
  });

  it("etl.yml's per-seed column_types still apply to a seed in a subfolder", () => {
    const compiled = compileFiles({
      'etl.yml': 'seeds:\n  orders:\n    column_types: { id: BIGINT }\n',
      'seeds/raw/orders.csv': 'id\n1\n',
    });
    const seed = compiled.nodes.get('orders');
    expect(seed?.kind === 'seed' && seed.columnTypes).toEqual({ id: 'BIGINT' });
  });

  it('a seed configured in etl.yml that does not exist is still an error', () => {
    expect(loadErrors({ 'etl.yml': 'seeds:\n  ordres:\n    column_types: {}\n' })).toEqual([
      "etl.yml: etl.yml configures seed 'ordres' but seeds/ordres.csv does not exist",
    ]);
  });

  it("a folder's column_types apply to the seeds that have the column; a seed's own always", () => {
    const compiled = compileFiles({
      'dbt_project.yml': `name: p
seeds:
  p:
    raw:
      +column_types: { amount: DOUBLE, id: BIGINT }
      orders:
        +column_types: { note: VARCHAR }
`,
      'seeds/raw/orders.csv': 'id,"amount"\n1,2\n',
      'seeds/raw/customers.csv': 'id,name\n1,a\n',
    });
    const types = (name: string) => {
      const seed = compiled.nodes.get(name);
      return seed?.kind === 'seed' ? seed.columnTypes : undefined;
    };
    expect(types('orders')).toEqual({ amount: 'DOUBLE', id: 'BIGINT', note: 'VARCHAR' });
    expect(types('customers')).toEqual({ id: 'BIGINT' });
  });
});
