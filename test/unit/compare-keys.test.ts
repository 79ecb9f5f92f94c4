import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../core/util/compare-keys.js';

/**
 * Config keys are sorted before their fingerprint is hashed: compareKeys must order them as
 * localeCompare did, or an upgrade would rebuild windows for nothing.
 */
describe('compareKeys', () => {
  const sign = (n: number): number => Math.sign(n);
  const plain = fc.string({ unit: fc.constantFrom(...'_09azAZ-. é'.split('')), maxLength: 6 });
  const key = fc.oneof(
    fc.stringMatching(/^[a-z0-9_]{0,8}$/),
    plain,
    fc.string({ maxLength: 6 }),
    fc.string({ unit: 'binary', maxLength: 4 }),
  );

  it('orders every pair as localeCompare does', () => {
    fc.assert(
      fc.property(key, key, (a, b) => {
        expect(sign(compareKeys(a, b))).toBe(sign(a.localeCompare(b)));
      }),
      { numRuns: 20_000 },
    );
  });

  it('orders each pair of the characters it reads itself as localeCompare does', () => {
    const chars = '_0123456789abcdefghijklmnopqrstuvwxyz'.split('');
    for (const a of chars)
      for (const b of chars)
        expect([a, b, sign(compareKeys(a, b))]).toEqual([a, b, sign(a.localeCompare(b))]);
  });

  it('sorts a config the same way', () => {
    const keys = ['unique_key', 'batch_size', 'a1', 'a_1', 'a', 'Zeta', 'zeta', 'meta', 'x9', 'x_'];
    expect([...keys].sort(compareKeys)).toEqual([...keys].sort((a, b) => a.localeCompare(b)));
  });
});
