import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExampleProject } from '../helpers/example-project.js';
import { runCli } from '../helpers/run-cli.js';
import { queryFile, snapshot } from '../helpers/duckdb.js';

/** The example warehouse, built through the CLI on a real DuckDB file. */
describe('example warehouse: etl build --date 2024-01-15', () => {
  const example = copyExampleProject();
  let first: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    const result = runCli(['build', '--date', '2024-01-15', '--json'], example.root);
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
