import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExampleProject } from '../helpers/example-project.js';
import { runCli } from '../helpers/run-cli.js';
import { queryFile, snapshot } from '../helpers/duckdb.js';

/** The example warehouse, built through the CLI on a real DuckDB file. */
describe('example warehouse: etl build --date 2024-01-15', () => {
  const example = copyExampleProject();
  let first: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    const result = runCli(['build', '--date', '2024-01-15', '--json', '--quiet'], example.root);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      status: string;
      partitions: { built: number; failed: number };
      models: { name: string; built: number }[];
    };
    expect(summary.status).toBe('success');
    expect(summary.partitions.failed).toBe(0);
    first = await snapshot(example.warehouse, ['customer_status']);
  });
  afterAll(() => example.cleanup());

  it('builds every example model', () => {
    const tables = Object.keys(first).filter((t) => t.startsWith('main.'));
    for (const model of [
      'fct_orders',
      'daily_revenue',
      'hourly_orders',
      'weekly_product_sales',
      'monthly_revenue',
      'dim_customers',
      'customer_status',
    ])
      expect(tables).toContain(`main.${model}`);
    expect(first['main.fct_orders']!.length).toBeGreaterThan(0);
  });

  it('writes one ledger row per window: 24 hours, 2 days with lookback, one week, one month', async () => {
    const rows = await queryFile(
      example.warehouse,
      `SELECT model, count(*) AS windows, sum(row_count) AS row_count FROM etl_state.partitions GROUP BY model ORDER BY model`,
    );
    const byModel = Object.fromEntries(rows.map((r) => [String(r.model), Number(r.windows)]));
    expect(byModel).toMatchObject({
      hourly_orders: 24,
      fct_orders: 2,
      daily_revenue: 1,
      weekly_product_sales: 1,
      monthly_revenue: 1,
      customer_status: 1,
    });
    const [check] = await queryFile(
      example.warehouse,
      `SELECT (SELECT count(*) FROM main.fct_orders) AS actual, (SELECT sum(row_count) FROM etl_state.partitions WHERE model = 'fct_orders') AS recorded`,
    );
    expect(Number(check!.actual)).toBe(Number(check!.recorded));
  });

  it('building the same date again leaves every table identical', async () => {
    const again = runCli(['build', '--date', '2024-01-15'], example.root);
    expect(again.code).toBe(0);
    expect(await snapshot(example.warehouse, ['customer_status'])).toEqual(first);
  });

  it('a second date adds its windows and keeps the first', async () => {
    const next = runCli(['build', '--date', '2024-01-16', '--quiet'], example.root);
    expect(next.code).toBe(0);
    const [row] = await queryFile(
      example.warehouse,
      `SELECT count(DISTINCT order_date) AS days FROM main.fct_orders`,
    );
    expect(Number(row!.days)).toBe(3); // 14th (lookback), 15th, 16th
  });

  it('compile prints formatted SQL without opening the warehouse', () => {
    const result = runCli(['compile', '-s', 'fct_orders', '--date', '2024-01-15'], example.root);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      '-- fct_orders (models/marts/fct_orders.sql), incremental, window 2024-01-15',
    );
    expect(result.stdout).toMatch(/from\n\s+"main"\."stg_orders"/);
    expect(result.stdout).toContain("order_date >= TIMESTAMP '2024-01-15 00:00:00'");
  });

  it('plan shows what build would do', () => {
    const result = runCli(['plan', '--date', '2024-01-20', '--json'], example.root);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as {
      steps: { model: string; kind: string }[];
      skipped: { model: string; reason: string }[];
    };
    expect(plan.steps.filter((s) => s.model === 'hourly_orders')).toHaveLength(24);
    expect(plan.skipped).toContainEqual({ model: 'raw_orders', reason: 'unchanged' });
  });

  it('dag prints the graph', () => {
    const result = runCli(['dag', '--format', 'mermaid'], example.root);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('fct_orders --> daily_revenue');
    expect(result.stdout).toContain('daily_revenue --> monthly_revenue');
  });
});

describe('example warehouse: tests', () => {
  it('etl test passes on the example project', () => {
    const example = copyExampleProject();
    try {
      const result = runCli(['test'], example.root);
      expect(result.code, result.stdout).toBe(0);
      expect(result.stdout).toMatch(/\n\d+ passed, 0 failed/);
      expect(result.stdout).toContain('PASS  unit ');
    } finally {
      example.cleanup();
    }
  });

  it('breaking a model fails the right test, and build stops its downstream', () => {
    const example = copyExampleProject();
    try {
      const file = join(example.root, 'models/marts/fct_orders.sql');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(
          'coalesce(p.paid_amount, 0)',
          'coalesce(p.paid_amount, 0) * 2',
        ),
      );
      const tested = runCli(['test', '-s', 'fct_orders'], example.root);
      expect(tested.code).toBe(1);
      expect(tested.stdout).toContain(
        'FAIL  data  expression(fct_orders: paid_amount = order_total)',
      );
      expect(tested.stdout).toMatch(/rows? where paid_amount = order_total is false\b/);
      const built = runCli(['build', '--date', '2024-01-15', '--json'], example.root);
      expect(built.code).toBe(1);
      const summary = JSON.parse(built.stdout) as {
        models: { name: string; failed: number; upstream_failed: number }[];
      };
      const m = (name: string) => summary.models.find((x) => x.name === name);
      expect(m('fct_orders')?.failed).toBeGreaterThan(0);
      expect(m('daily_revenue')?.upstream_failed).toBe(1);
      expect(m('monthly_revenue')?.upstream_failed).toBe(1);
      expect(m('hourly_orders')?.failed).toBe(0);
    } finally {
      example.cleanup();
    }
  });
});
