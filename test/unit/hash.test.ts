import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../core/util/hash.js';

/** How sha256 hashed its parts before it joined them: one update a piece. */
function piecewise(...parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const part of parts) {
    h.update(String(part.length));
    h.update(':');
    h.update(part);
  }
  return h.digest('hex');
}

/**
 * Fingerprints and content hashes in users' ledgers were made by hashing each part's length,
 * a colon and the part in turn: sha256 must give the same hashes, or an upgrade would rebuild
 * every window.
 */
describe('sha256', () => {
  it('hashes parts as the piecewise updates did', () => {
    // Lone surrogates too: each part is encoded apart; joined, one must not pair with another.
    const part = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme' }),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 6 }), (parts) => {
        expect(sha256(...parts)).toBe(piecewise(...parts));
      }),
      { numRuns: 5_000 },
    );
  });

  it('keeps the hashes of known values', () => {
    expect(sha256()).toBe(createHash('sha256').digest('hex'));
    expect(sha256('select 1', '\ud800', '\udc00x')).toBe(
      piecewise('select 1', '\ud800', '\udc00x'),
    );
    expect(sha256('a', 'b')).not.toBe(sha256('ab'));
  });
});
