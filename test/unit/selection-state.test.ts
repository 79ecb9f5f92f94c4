import { describe, expect, it } from 'vitest';
import { selectNodes } from '../../core/compile/selection.js';
import { stateContext, type BuiltState } from '../../core/compile/selection-state.js';
import { compileFiles } from '../helpers/compile.js';

const compiled = compileFiles({
  'seeds/loaded.csv': 'id\n1\n',
  'seeds/edited.csv': 'id\n1\n',
  'seeds/never.csv': 'id\n1\n',
  'models/windows_current.sql': `{{ config(materialized='incremental', time_column='d') }} select 1 as d`,
  'models/windows_old.sql': `{{ config(materialized='incremental', time_column='d') }} select 2 as d`,
  'models/legacy.sql': `{{ config(materialized='table') }} select 3 as x`,
  'models/legacy_lookalike.sql': `{{ config(materialized='table') }} select 4 as x`,
  'models/view_old.sql': 'select 5 as x',
  'models/never_built.sql': 'select 6 as x',
});
const node = (name: string): { fingerprint: string; legacyFingerprint: string } => {
  const n = compiled.nodes.get(name);
  if (n?.kind !== 'model') throw new Error(name);
  return n;
};
const seedFingerprint = (name: string): string => compiled.nodes.get(name)?.fingerprint ?? '';
const row = (fingerprint: string, inputVersion?: string) => ({ fingerprint, inputVersion });

const state: BuiltState = {
  partitions: new Map([
    // One window rebuilt under the current definition is enough for it to count as built.
    ['windows_current', [row('old', 'v1'), row(node('windows_current').fingerprint, 'v2')]],
    ['windows_old', [row('old', 'v1'), row('older', 'v1')]],
  ]),
  builds: new Map([
    // Rows from before data versions carry the fingerprint of that time.
    ['legacy', row(node('legacy').legacyFingerprint)],
    ['legacy_lookalike', row(node('legacy_lookalike').legacyFingerprint, 'v1')],
    ['view_old', row('old')],
  ]),
  seeds: new Map([
    ['loaded', { fingerprint: seedFingerprint('loaded'), fileHash: 'h-loaded' }],
    ['edited', { fingerprint: seedFingerprint('edited'), fileHash: 'h-before' }],
  ]),
};
const seedHashes = new Map([
  ['loaded', 'h-loaded'],
  ['edited', 'h-after'],
  ['never', 'h-never'],
]);
const select = (selector: string, hashes = seedHashes): string[] =>
  [...selectNodes(compiled, [selector], [], stateContext(compiled, state, hashes))].sort();

describe('stateContext: what state: compares with', () => {
  it('state:modified is what is new or built under another definition or seed file', () => {
    expect(select('state:modified')).toEqual([
      'edited',
      'legacy_lookalike',
      'never',
      'never_built',
      'view_old',
      'windows_old',
    ]);
  });

  it('state:new is what was never built', () => {
    expect(select('state:new')).toEqual(['never', 'never_built']);
  });

  it('without the seed files hashed, a seed compares by its fingerprint only', () => {
    expect(select('state:modified,path:seeds', new Map())).toEqual(['never']);
  });

  it('an empty warehouse makes everything new', () => {
    const empty = { partitions: new Map(), builds: new Map(), seeds: new Map() };
    const all = selectNodes(compiled, ['state:new'], [], stateContext(compiled, empty));
    expect(all.size).toBe(compiled.nodes.size);
  });
});
