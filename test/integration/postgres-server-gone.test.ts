import { spawn } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestServer } from '../setup/postgres-server.js';
import { copyExampleProject } from '../helpers/example-project.js';
import { BIN, runCli } from '../helpers/run-cli.js';

/**
 * The server goes away in the middle of a backfill (a fast shutdown ends every session): the
 * run fails with a clear error and a non-zero exit, nothing is half-written (every window the
 * ledger calls done holds its rows), and once the server is back the same command finishes.
 */
let server: TestServer;
let example: ReturnType<typeof copyExampleProject>;
const RANGE = ['--from', '2024-01-01', '--to', '2024-01-31'];

beforeAll(async () => {
  server = await startPostgres();
  example = copyExampleProject();
});
afterAll(async () => {
  await server.remove();
  example.cleanup();
});

describe('a PostgreSQL server gone mid-run', () => {
  it('fails the run clearly, leaves no half-written window, and a rerun finishes', async () => {
    const target = `${server.url}?schema=analytics`;
    const child = spawn(process.execPath, [BIN, 'backfill', ...RANGE, '--threads', '2'], {
      cwd: example.root,
      env: { ...process.env, NO_COLOR: '1', ETL_TARGET: target },
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    // Once windows are being written, stop the server.
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if ((stdout + stderr).includes('OK   fct_orders')) resolve();
        else setTimeout(check, 20);
      };
      check();
    });
    await server.stop();
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code, stderr).not.toBe(0);
    expect(stderr + stdout).toMatch(/lost the connection to postgres:\/\/etl:\*\*\*@127\.0\.0\.1/);
    expect(stderr).not.toMatch(/E_INTERNAL|at .*\.js:\d+/);

    await server.start();
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      const wrong = await client.query(
        `WITH l AS (SELECT DISTINCT ON (window_start) * FROM etl_state.partitions WHERE model = 'fct_orders' ORDER BY window_start, seq DESC)
         SELECT count(*)::int AS n FROM l LEFT JOIN (SELECT order_date, count(*) AS n FROM analytics.fct_orders GROUP BY 1) d ON d.order_date = l.window_start::date
         WHERE coalesce(d.n, 0) <> l.row_count`,
      );
      expect(wrong.rows).toEqual([{ n: 0 }]);
    } finally {
      await client.end();
    }
    const rerun = runCli(['backfill', ...RANGE, '--target', target], example.root);
    expect(rerun.code, rerun.stderr).toBe(0);
    const verified = runCli(['verify', ...RANGE, '--json', '--target', target], example.root);
    expect((JSON.parse(verified.stdout) as { mismatched: number }).mismatched).toBe(0);
  }, 120_000);
});
