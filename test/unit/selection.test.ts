import { describe, expect, it } from 'vitest';
import { selectNodes } from '../../core/compile/selection.js';
import { UsageError } from '../../core/errors.js';
import { compileFiles } from '../helpers/compile.js';

const compiled = compileFiles({
  'seeds/raw.csv': 'id\n1\n',
  'models/staging/stg.sql': "{{ config(tags=['staging']) }} select * from {{ ref('raw') }}",
  'models/marts/a.sql':
    "{{ config(materialized='table', tags=['finance']) }} select * from {{ ref('stg') }}",
  'models/marts/b.sql':
    "{{ config(materialized='table', tags=['finance', 'daily']) }} select * from {{ ref('a') }}",
  'models/other/c.sql': 'select 1 as x',
});
const sel = (select: string[], exclude: string[] = []): string[] =>
  [...selectNodes(compiled, select, exclude)].sort();

describe('selection', () => {
  it.each<[string[], string[], string[]]>([
    [[], [], ['a', 'b', 'c', 'raw', 'stg']],
    [['a'], [], ['a']],
    [['a+'], [], ['a', 'b']],
    [['+a'], [], ['a', 'raw', 'stg']],
    [['+a+'], [], ['a', 'b', 'raw', 'stg']],
    [['tag:finance'], [], ['a', 'b']],
    [['tag:daily c'], [], ['b', 'c']],
    [['a,c'], [], ['a', 'c']],
    [['path:models/marts'], [], ['a', 'b']],
    [['path:models/marts/'], [], ['a', 'b']],
    [['path:seeds'], [], ['raw']],
    [['+b'], ['tag:staging', 'raw'], ['a', 'b']],
    [[], ['path:models/marts'], ['c', 'raw', 'stg']],
  ])('select %j exclude %j', (select, exclude, expected) => {
    expect(sel(select, exclude)).toEqual(expected);
  });

  it('names an unknown model with a suggestion', () => {
    expect(() => sel(['stgg'])).toThrow(UsageError);
    expect(() => sel(['stgg'])).toThrow(
      "unknown model or seed 'stgg' in --select (did you mean 'stg'?)",
    );
    expect(() => sel([], ['bb+'])).toThrow(/--exclude/);
  });

  it('names an unknown tag', () => {
    expect(() => sel(['tag:financ'])).toThrow(
      "no model has tag 'financ' (did you mean 'finance'?)",
    );
  });

  it('does not treat a path prefix as a folder prefix', () => {
    expect(() => sel(['path:models/mart'])).toThrow(/no model or seed under path/);
  });
});
