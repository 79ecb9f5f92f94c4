import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { BIN, runCli } from '../helpers/run-cli.js';
import { queryFile, snapshot } from '../helpers/duckdb.js';
import { shopDate, shopProjectFiles } from '../helpers/shop-project.js';
import { prng } from '../../bench/generated-project.js';
import { readStatus } from '../helpers/status-json.js';

/**
 * `--full-refresh` of an incremental model rebuilds its table and every window from its start
 * into a table built aside, swapped in with the ledger rows in one transaction: history never
 * shrinks, readers see the old table until the swap, and an interrupted refresh resumes.
 */
const projects: TempProject[] = [];
afterEach(() => {
  for (const p of projects.splice(0)) p.cleanup();
});

/** The shop, with `orders` also reading a source table of flags (etl cannot see sources). */
const FLAGGED_SQL = `{{ config(materialized='incremental', time_column='order_date', start='2018-01-01') }}
select o.id as order_id, o.user_id as customer_id, o.order_date::date as order_date, o.status,
  case when f.flag = 'boom' then error('flag says boom') else f.flag end as flag
from {{ ref('stg_orders') }} as o
left join {{ source('ext', 'flags') }} as f on f.day = o.order_date::date
where o.order_date >= {{ start }} and o.order_date < {{ end }}
`;
const files = (sql = FLAGGED_SQL): Record<string, string> => ({
  ...shopProjectFiles(),
  'etl.yml': 'sources:\n  ext:\n    flags: { table: main.flags }\n',
  'models/orders.sql': sql,
});
const NEW_SQL = FLAGGED_SQL.replace('o.status,', 'o.status, upper(o.status) as status_code,');

async function make(sql?: string): Promise<TempProject> {
  const p = tempProject(files(sql));
  projects.push(p);
  await queryFile(
    p.warehouse,
    `CREATE TABLE main.flags AS SELECT d::DATE AS day, 'ok' AS flag FROM range(DATE '2018-01-01', DATE '2018-04-10', INTERVAL 1 DAY) t(d)`,
  );
  return p;
}
const ok = (p: TempProject, ...args: string[]) => {
  const r = runCli(args, p.root);
  expect(r.code, `etl ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
};
const days = async (p: TempProject) =>
  (await queryFile(p.warehouse, `SELECT count(DISTINCT order_date) AS n FROM main.orders`))[0]!.n;
const ordersOf = async (p: TempProject) => (await snapshot(p.warehouse))['main.orders'];

describe('--full-refresh', () => {
  it('rebuilds all 98 days aside and swaps them in; a failure midway leaves the old table, and the rerun resumes', async () => {
    const p = await make();
    ok(p, 'backfill', '--from', shopDate(0), '--to', shopDate(97));
    expect(await days(p)).toBe('98');
    const plan = JSON.parse(
      ok(p, 'plan', '--date', shopDate(97), '--full-refresh', '-s', 'orders', '--json').stdout,
    ) as { models: { model: string; total: number; forced: number; refresh: boolean }[] };
    expect(plan.models.find((m) => m.model === 'orders')).toMatchObject({
      total: 98,
      forced: 98,
      refresh: true,
    });

    // A new column, and a bad flag on one day: that window fails, the swap does not happen.
    p.write('models/orders.sql', NEW_SQL);
    const before = await ordersOf(p);
    await queryFile(
      p.warehouse,
      `UPDATE main.flags SET flag = 'boom' WHERE day = DATE '2018-02-01'`,
    );
    const failed = runCli(
      ['build', '--date', shopDate(97), '--full-refresh', '-s', 'orders', '--json'],
      p.root,
    );
    expect(failed.code).toBe(1);
    const summary = JSON.parse(failed.stdout) as {
      failures: { model: string; window: string }[];
      partitions: { built: number; failed: number };
    };
    expect(summary.failures).toEqual([
      expect.objectContaining({ model: 'orders', window: 'refresh 2018-02-01' }),
    ]);
    expect(await ordersOf(p)).toEqual(before);
    const status = readStatus(ok(p, 'status', '-s', 'orders', '--json').stdout) as {
      models: { refreshing: number; stale: string[]; failed: string[] }[];
    };
    // The old windows are still the truth of the table, stale under the new SQL.
    expect(status.models[0]).toMatchObject({
      refreshing: 97,
      failed: ['2018-02-01T00:00:00.000Z'],
    });
    expect(status.models[0]!.stale).toHaveLength(97);

    // The flag is fixed (a source: nothing etl tracks changed): only that window is left.
    await queryFile(p.warehouse, `UPDATE main.flags SET flag = 'ok' WHERE day = DATE '2018-02-01'`);
    const resumed = JSON.parse(
      ok(p, 'build', '--date', shopDate(97), '--full-refresh', '-s', 'orders', '--json').stdout,
    ) as { models: { name: string; built: number }[] };
    expect(resumed.models.find((m) => m.name === 'orders')?.built).toBe(2); // one window, the swap
    const clean = await make(NEW_SQL);
    ok(clean, 'backfill', '--from', shopDate(0), '--to', shopDate(97), '-s', '+orders');
    expect(await ordersOf(p)).toEqual(await ordersOf(clean));
    const ledger = await queryFile(
      p.warehouse,
      `SELECT count(*) AS n, count(DISTINCT fingerprint) AS fingerprints FROM (SELECT * FROM etl_state.partitions WHERE model = 'orders' QUALIFY row_number() OVER (PARTITION BY window_start ORDER BY seq DESC) = 1)`,
    );
    expect(ledger).toEqual([{ n: '98', fingerprints: '1' }]);
    expect(await queryFile(p.warehouse, `SELECT count(*) AS n FROM etl_state.refreshing`)).toEqual([
      { n: '0' },
    ]);

    // An earlier date never shrinks history.
    ok(p, 'build', '--date', shopDate(14), '--full-refresh', '-s', 'orders');
    expect(await days(p)).toBe('98');
  }, 120_000);

  it('killed at random points, the table is wholly old or wholly new, and a rerun resumes', async () => {
    const REFRESH = ['build', '--date', shopDate(97), '--full-refresh', '-s', 'orders'];
    const reference = await make();
    ok(reference, 'backfill', '--from', shopDate(0), '--to', shopDate(97));
    const old = await ordersOf(reference);
    reference.write('models/orders.sql', NEW_SQL);
    ok(reference, ...REFRESH);
    const fresh = await ordersOf(reference);
    expect(fresh).not.toEqual(old);

    const seed = Number(process.env.ETL_CRASH_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    for (let i = 0; i < 3; i++) {
      const p = await make();
      ok(p, 'backfill', '--from', shopDate(0), '--to', shopDate(97));
      p.write('models/orders.sql', NEW_SQL);
      // kill -9 right after the k-th window written aside has committed (its line printed),
      // on 1 to 3 threads, so that the kill always lands in the middle of the refresh.
      const k = 5 + Math.floor(random() * 55);
      const child = spawn(process.execPath, [BIN, ...REFRESH, '--threads', String(1 + i)], {
        cwd: p.root,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, NO_COLOR: '1', ETL_TARGET: '' },
      });
      let written = 0;
      child.stderr.on('data', (chunk: Buffer) => {
        // A line per transaction: one window, or `N windows` merged (adaptive batching).
        for (const line of chunk.toString().match(/OK {3}orders {2}refresh .*/g) ?? [])
          written += Number(/, (\d+) windows,/.exec(line)?.[1] ?? 1);
        if (written >= k) child.kill('SIGKILL');
      });
      await once(child, 'exit');
      expect(written, `seed ${seed}`).toBeGreaterThanOrEqual(k);
      // Readers still see the old table, whole.
      expect(await ordersOf(p), `killed after ${k} windows (seed ${seed})`).toEqual(old);
      const status = readStatus(ok(p, 'status', '-s', 'orders', '--json').stdout) as {
        models: { refreshing?: number }[];
      };
      expect(status.models[0]?.refreshing).toBeGreaterThanOrEqual(k);
      // The rerun keeps what was written aside and builds the rest.
      const rerun = JSON.parse(ok(p, ...REFRESH, '--json').stdout) as {
        models: { name: string; built: number }[];
      };
      expect(rerun.models.find((m) => m.name === 'orders')?.built).toBeLessThanOrEqual(98 - k + 1);
      expect(await ordersOf(p), `rerun after a kill after ${k} windows (seed ${seed})`).toEqual(
        fresh,
      );
    }
  }, 300_000);
});
