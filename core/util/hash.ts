import { createHash } from 'node:crypto';

/**
 * Hex SHA-256 of the given parts, each length-prefixed so that boundaries count: the hash of
 * `<length>:<part>` for each part in turn, UTF-8. Made as one text and hashed in one call (a
 * call into the native hash costs more than the bytes of most parts); the bytes are the same
 * as hashing the pieces one by one, since no part is next to another (test/unit/hash.test.ts).
 */
export function sha256(...parts: readonly string[]): string {
  let text = '';
  for (const part of parts) text += `${part.length}:${part}`;
  return createHash('sha256').update(text).digest('hex');
}
