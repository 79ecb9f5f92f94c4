import { createHash } from 'node:crypto';

/** Hex SHA-256 of the given parts, each length-prefixed so that boundaries count. */
export function sha256(...parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const part of parts) {
    h.update(String(part.length));
    h.update(':');
    h.update(part);
  }
  return h.digest('hex');
}
