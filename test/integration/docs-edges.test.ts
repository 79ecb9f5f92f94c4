import { hostname } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyExampleProject } from '../helpers/example-project.js';
import { queryFile } from '../helpers/duckdb.js';
import { runCli } from '../helpers/run-cli.js';

/**
 * `etl docs` on projects as users leave them (found by trying to break it): never built,
 * a run killed (still recorded running), run result files that are not ours, the flags that
 * change what a run writes, the window compiled SQL is shown for, `--out` at a file. The
 * site's embedded data is read; the browser tests are in docs-site.test.ts.
 */

interface Site {
  nodes: { name: string; compiled_window: { from: string; to: string } | null }[];
  partitions: { name: string; counts: Record<string, number> }[];
  runs: { run_id: string; status: string; args: Record<string, unknown> }[];
  gantt: { run_id: string; steps: unknown[] } | null;
  warehouse_note: string | null;
}

const example = copyExampleProject();
afterAll(() => example.cleanup());

/** `etl docs --json` in the example, and the data its page embeds. */
function docs(...args: string[]): Site {
  const run = runCli(['docs', '--json', '--date', '2024-01-15', ...args], example.root);
  expect(run.code, run.stderr).toBe(0);
  const html = readFileSync((JSON.parse(run.stdout) as { index: string }).index, 'utf8');
  const json = /<script type="application\/json" id="etl-data">([\s\S]*?)<\/script>/.exec(html);
  return JSON.parse(json?.[1] ?? '{}') as Site;
}

describe('etl docs, as users leave their projects', () => {
  it('never built: every window missing, with a note', () => {
    const site = docs();
    expect(site.warehouse_note).toMatch(/not built yet/);
    const fct = site.partitions.find((p) => p.name === 'fct_orders');
    expect(fct?.counts.done).toBe(0);
    expect(fct?.counts.missing).toBeGreaterThan(1000);
  });

  it('shows the SQL of each model for its own window, by its grain', () => {
    const window = (name: string) => docs().nodes.find((n) => n.name === name)?.compiled_window;
    expect(window('fct_orders')).toEqual({
      from: '2024-01-15T00:00:00.000Z',
      to: '2024-01-16T00:00:00.000Z',
    });
    expect(window('hourly_orders')).toEqual({
      from: '2024-01-15T00:00:00.000Z',
      to: '2024-01-15T01:00:00.000Z',
    });
    expect(window('monthly_revenue')).toEqual({
      from: '2024-01-01T00:00:00.000Z',
      to: '2024-02-01T00:00:00.000Z',
    });
  });

  it('lists a killed run as abandoned, the flags that changed a run, and passes over run files not ours', async () => {
    const built = runCli(
      ['backfill', '--from', '2024-01-01', '--to', '2024-01-03', '--full-refresh'],
      example.root,
    );
    expect(built.code, built.stderr).toBe(0);
    // A run whose process is gone (kill -9): still recorded running.
    await queryFile(
      join(example.root, 'warehouse.duckdb'),
      `INSERT INTO etl_state.runs (run_id, command, arguments, started_at, status, pid, host)
       VALUES ('29990101T000000Z-dead', 'backfill', '{}', TIMESTAMP '2999-01-01 00:00:00', 'running', 999999999, '${hostname()}')`,
    );
    const runs = join(example.root, '.etl', 'runs');
    mkdirSync(runs, { recursive: true });
    writeFileSync(join(runs, 'zz1.json'), '{"run_id":"zz1","results":[null]}');
    writeFileSync(
      join(runs, 'zz2.json'),
      '{"run_id":"zz2","started_at":"2024-01-01T00:00:00Z","command":"backfill","results":[{"step":"a","model":"a","tests":{}},7]}',
    );
    writeFileSync(join(runs, 'zz3.json'), '');
    const site = docs();
    expect(site.warehouse_note).toBeNull();
    expect(site.runs[0]).toMatchObject({ run_id: '29990101T000000Z-dead', status: 'abandoned' });
    const refresh = site.runs.find((r) => r.status === 'success');
    expect(refresh?.args).toMatchObject({ from: '2024-01-01', full_refresh: true });
    // The timeline is of the backfill that wrote windows, not of a file that is not a run's.
    expect(site.gantt?.run_id).toBe(refresh?.run_id);
    expect(site.gantt?.steps.length).toBeGreaterThan(0);
  });

  it('--out at a file is a usage error naming --out', () => {
    const file = join(example.root, 'a-file');
    writeFileSync(file, 'x');
    const run = runCli(['docs', '--out', file], example.root);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--out/);
    expect(run.stderr).not.toMatch(/bug in etl/);
  });
});
