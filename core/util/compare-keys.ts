/** `_`, then digits, then lowercase letters: how ICU's root collation orders these. */
const ORDER = '_0123456789abcdefghijklmnopqrstuvwxyz';
const PLAIN = /^[a-z0-9_]*$/;

/**
 * Orders two keys exactly as `a.localeCompare(b)` does, without loading ICU's collator for
 * the keys configs have. The first `localeCompare` of a process costs some 9 ms; keys of
 * lowercase ASCII letters, digits and `_` are compared here, in the collator's order (each
 * of these characters has its own primary weight, so the first difference decides). Any
 * other key goes to `localeCompare`: fingerprints hashed over key order do not change.
 */
export function compareKeys(a: string, b: string): number {
  if (!PLAIN.test(a) || !PLAIN.test(b)) return a.localeCompare(b);
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++)
    if (a[i] !== b[i]) return ORDER.indexOf(a[i]!) - ORDER.indexOf(b[i]!) < 0 ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
