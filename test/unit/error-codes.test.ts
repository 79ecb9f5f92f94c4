import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, errorCodeTable } from '../../core/error-codes.js';
import { EtlError, ProjectError } from '../../core/errors.js';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

describe('the error catalogue', () => {
  it('is the table README shows (regenerate it from errorCodeTable() when a code changes)', () => {
    expect(README).toContain(errorCodeTable());
  });

  it('knows every code README names', () => {
    const named = new Set([...README.matchAll(/\bE_[A-Z_]+\b/g)].map((m) => m[0]));
    expect([...named].filter((c) => !(c in ERROR_CODES))).toEqual([]);
  });

  it('gives an error its exit code unless the thrower says otherwise', () => {
    expect(new EtlError('E_DISK_FULL', 'full').exitCode).toBe(1);
    expect(new EtlError('E_CONFIG', 'bad').exitCode).toBe(2);
    expect(new ProjectError('E_SCHEMA', 'bad').exitCode).toBe(2);
  });
});
