import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { copyExampleProject } from '../helpers/example-project.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { freshDatabase } from '../helpers/postgres.js';

/**
 * A postgres:// target: a server that cannot be reached, a database that does not exist or a
 * refused password is a clear error that never echoes the password.
 */
let example: ReturnType<typeof copyExampleProject>;

beforeAll(() => {
  example = copyExampleProject();
});

afterAll(() => example.cleanup());

describe('a postgres:// target', () => {
  it('a starter project from etl init builds, tests and verifies on it', async () => {
    const db = await freshDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'etl-init-pg-'));
    try {
      expect(runCli(['init', dir], dir).code).toBe(0);
      const target = ['--target', `${db.url}?schema=analytics`];
      const built = runCli(
        ['backfill', '--from', '2024-01-01', '--to', '2024-01-03', ...target],
        dir,
      );
      expect(built.code, built.stderr).toBe(0);
      const tested = runCli(['test', ...target], dir);
      expect(tested.code, tested.stdout).toBe(0);
      const verified = runCli(
        ['verify', '--from', '2024-01-01', '--to', '2024-01-03', ...target],
        dir,
      );
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
      expect(verified.stdout).toContain('3 windows match');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  });

  it('naming a database that does not exist is a clear error', () => {
    const url = inject('postgresUrl').replace(/\/postgres$/, '/no_such_db');
    const run = runCli(['status', '--target', url], example.root);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('database "no_such_db" does not exist');
    expect(run.stderr).not.toContain('etl:etl@');
  });

  it('that nothing listens on is a clear error', () => {
    const run = runCli(['build', '--target', 'postgres://me:secret@127.0.0.1:1/db'], example.root);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot connect to postgres://me:***@127.0.0.1:1/db');
    expect(run.stderr).not.toContain('secret');
  });

  it('with a wrong password is a clear error', () => {
    const url = inject('postgresUrl').replace('etl:etl@', 'etl:wrong-secret@');
    const run = runCli(['plan', '--target', url], example.root);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /cannot connect to postgres:\/\/etl:\*\*\*@127\.0\.0\.1:\d+\/postgres: password authentication failed/,
    );
    expect(run.stderr).not.toContain('wrong-secret');
  });
});
