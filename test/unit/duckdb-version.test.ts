import { version } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { duckdbVersion } from '../../core/engine/duckdb-version.js';

describe('duckdbVersion', () => {
  it('reads from the driver package what the loaded library says', () => {
    expect(duckdbVersion()).toBe(version());
  });
});
