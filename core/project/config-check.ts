import { ProjectError, type SourceLocation } from '../errors.js';
import { didYouMean } from '../util/suggest.js';

/** A plain object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reject keys of `value` that are not in `allowed`, naming the first with a "did you mean". */
export function rejectUnknownKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  what: string,
  locate: (key: string) => SourceLocation,
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new ProjectError(
        'E_UNKNOWN_KEY',
        `unknown key '${key}' in ${what}${didYouMean(key, allowed)}`,
        locate(key),
        { hint: `allowed keys: ${allowed.join(', ')}` },
      );
    }
  }
}

/** Describe a value's type for messages: `a string`, `a list`, `a mapping`, ... */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}
