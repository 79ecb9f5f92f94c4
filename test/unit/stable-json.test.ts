import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../core/util/compare-keys.js';
import { stableJson } from '../../core/util/stable-json.js';

/** stableJson as it was before objects in order were left as they are: the bytes to keep. */
function reference(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => compareKeys(a, b)),
        )
      : v,
  );
}

/**
 * Fingerprints hash stableJson: a byte of difference would rebuild every window of every
 * model on upgrade.
 */
describe('stableJson', () => {
  it('writes the bytes it always wrote, for any value', () => {
    const anything = fc.anything({
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
    });
    fc.assert(
      fc.property(anything, (v) => {
        expect(stableJson(v)).toBe(reference(v));
      }),
      { numRuns: 5_000 },
    );
  });

  it('writes the same for objects in order and out of order, integer keys included', () => {
    const key = fc.oneof(fc.stringMatching(/^[a-z0-9_]{1,6}$/), fc.constantFrom('0', '10', '2'));
    const record = fc.dictionary(key, fc.oneof(fc.integer(), fc.string(), fc.constant(undefined)));
    fc.assert(
      fc.property(record, (r) => {
        const sorted = Object.fromEntries(Object.entries(r).sort(([a], [b]) => compareKeys(a, b)));
        const reversed = Object.fromEntries(Object.entries(r).reverse());
        expect([stableJson(sorted), stableJson(reversed), stableJson({ a: [sorted] })]).toEqual([
          reference(r),
          reference(r),
          reference({ a: [r] }),
        ]);
      }),
      { numRuns: 5_000 },
    );
  });

  // A SafeString (what a Nunjucks macro returns) or another class instance: copied as before.
  it('copies objects that are not plain, as before', () => {
    class Safe {
      constructor(
        readonly val: string,
        readonly length = val.length,
      ) {}
    }
    const values: unknown[] = [
      new Safe('x'),
      Object.assign(Object.create(null) as object, { b: 1, a: 2 }),
      new String('ab'),
    ];
    for (const v of values) expect(stableJson({ v })).toBe(reference({ v }));
  });
});
