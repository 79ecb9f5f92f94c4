import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { queryFile } from '../helpers/duckdb.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/dbt-config/jaffle', import.meta.url));

const IGNORED =
  'warning: dbt_project.yml: etl ignores: profile, clean-targets, models.jaffle.+persist_docs (etl does not support them)';
const SCHEMA_IGNORED =
  'warning: models/marts/schema.yml: etl ignores: order_days.config.meta (etl does not support them)';

/** A dbt project (dbt_project.yml only, no etl.yml) built through the CLI on a DuckDB file. */
describe('a dbt project folder: etl build', () => {
  const root = mkdtempSync(join(tmpdir(), 'etl-dbt-'));
  let build: CliResult;

  beforeAll(() => {
    cpSync(FIXTURE, root, { recursive: true });
    build = runCli(['build', '--date', '2024-01-02', '--json'], root);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('builds, printing each warning once on stderr and only JSON on stdout', () => {
    expect(build.code).toBe(0);
    const summary = JSON.parse(build.stdout) as { status: string; models: { name: string }[] };
    expect(summary.status).toBe('success');
    expect(summary.models.map((m) => m.name).sort()).toEqual([
      'customer_orders',
      'order_days',
      'orders',
      'raw_orders',
      'raw_payments',
      'stg_orders',
      'stg_payments',
    ]);
    const lines = build.stderr.split('\n').filter((l) => l.startsWith('warning:'));
    expect(lines).toEqual([IGNORED, SCHEMA_IGNORED]);
  });

  it('materializes by folder, schema file config: and config(), in that order', async () => {
    const rows = await queryFile(
      join(root, 'warehouse.duckdb'),
      `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name`,
    );
    expect(
      Object.fromEntries(rows.map((r) => [String(r.table_name), String(r.table_type)])),
    ).toEqual({
      customer_orders: 'VIEW',
      order_days: 'VIEW',
      orders: 'BASE TABLE',
      raw_orders: 'BASE TABLE',
      raw_payments: 'BASE TABLE',
      stg_orders: 'VIEW',
      stg_payments: 'VIEW',
    });
  });

  it('reads the project-scoped var and the seed folder column types', async () => {
    const rows = await queryFile(
      join(root, 'warehouse.duckdb'),
      `SELECT (SELECT count(*) FROM main.stg_payments) AS payments,
              (SELECT data_type FROM information_schema.columns
                WHERE table_name = 'raw_payments' AND column_name = 'amount') AS amount_type`,
    );
    expect(rows[0]).toMatchObject({ amount_type: 'DOUBLE' });
    expect(Number(rows[0]?.payments)).toBe(3);
  });

  it('etl dag --json: warnings on stderr, the disabled model left out', () => {
    const dag = runCli(['dag', '--json'], root);
    expect(dag.code).toBe(0);
    const nodes = (JSON.parse(dag.stdout) as { nodes: { name: string }[] }).nodes.map(
      (n) => n.name,
    );
    expect(nodes).not.toContain('old_orders');
    expect(dag.stderr.split('\n').filter((l) => l === IGNORED)).toHaveLength(1);
  });

  it('--quiet prints no warning', () => {
    expect(runCli(['dag', '--quiet'], root).stderr).toBe('');
  });

  it('with an etl.yml beside it, says dbt_project.yml is ignored', () => {
    writeFileSync(join(root, 'etl.yml'), 'name: jaffle\n');
    const dag = runCli(['dag'], root);
    rmSync(join(root, 'etl.yml'));
    expect(dag.stderr).toContain(
      'warning: dbt_project.yml is ignored: etl.yml is the project file',
    );
  });
});
