import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExampleProject } from '../helpers/example-project.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { queryFile } from '../helpers/duckdb.js';
import { runCliAsync } from '../helpers/run-cli.js';
import { SCHEMAS, ajv, badTimes, expectShape, validator } from '../helpers/json-schema.js';

/**
 * Every command's `--json` output, and the run artifacts in `.etl/`, checked against the JSON
 * Schema files in schemas/: a field not declared there, a required one missing, or a time that
 * is not ISO-8601 UTC fails.
 */

const files = readdirSync(SCHEMAS).filter((f) => f.endsWith('.schema.json'));

/**
 * Run `etl ...args --json` (without blocking: the two projects below run at once): its stdout
 * is one JSON object, which is returned.
 */
async function json<T = Record<string, unknown>>(
  root: string,
  args: readonly string[],
  code = 0,
): Promise<T> {
  const result = await runCliAsync([...args, '--json'], root);
  expect(result.code, `${args.join(' ')}\n${result.stderr}${result.stdout.slice(0, 500)}`).toBe(
    code,
  );
  return JSON.parse(result.stdout) as T;
}

function artifact(root: string, name: string): unknown {
  return JSON.parse(readFileSync(join(root, '.etl', name), 'utf8'));
}

describe('schemas/', () => {
  it('holds one valid draft 2020-12 schema per shape, every field described', () => {
    expect(files.sort()).toEqual(
      [
        'compile',
        'dag',
        'docs',
        'error',
        'init',
        'manifest',
        'plan',
        'run-results',
        'run-summary',
        'source-freshness',
        'status',
        'test',
        'verify',
      ].map((n) => `${n}.schema.json`),
    );
    const undescribed: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${path}/${i}`));
      if (typeof node !== 'object' || node === null) return;
      const properties = (node as { properties?: Record<string, unknown> }).properties;
      for (const [key, p] of Object.entries(properties ?? {}))
        if (typeof (p as { description?: unknown }).description !== 'string')
          undescribed.push(`${path}/properties/${key}`);
      for (const [key, child] of Object.entries(node)) walk(child, `${path}/${key}`);
    };
    for (const file of files) {
      const schema = JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')) as {
        $schema?: string;
      };
      expect(schema.$schema, file).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(ajv.validateSchema(schema), `${file}: ${ajv.errorsText()}`).toBe(true);
      expect(() => validator(file.replace('.schema.json', '')), file).not.toThrow();
      walk(schema, file);
    }
    expect(undescribed).toEqual([]);
  });

  it('rejects an undeclared field and a time that is not ISO (the check itself)', () => {
    const summary = {
      schema_version: 1,
      command: 'build',
      status: 'success',
      run_id: 'r',
      started_at: '2024-01-15T00:00:00.000Z',
      finished_at: '2024-01-15T00:00:01.000Z',
      duration_ms: 1000,
      partitions: { built: 0, skipped: 0, failed: 0, upstream_failed: 0, not_run: 0 },
      models: [],
      failures: [],
      warnings: [],
    };
    expect(validator('run-summary')(summary)).toBe(true);
    expect(validator('run-summary')({ ...summary, extra: 1 })).toBe(false);
    expect(validator('run-summary')({ ...summary, started_at: '2024-01-15' })).toBe(false);
    expect(validator('run-summary')({ ...summary, started_at: '2024-01-15T01:00:00+01:00' })).toBe(
      false,
    );
    expect(badTimes({ a: [{ finished_at: 1705276800000 }] })).toEqual([
      '/a/0/finished_at: 1705276800000',
    ]);
  });
});

const RANGE = ['--from', '2024-01-01', '--to', '2024-01-03'];
const BROKEN = `{{ config(materialized='incremental', time_column='d', grain='day', start='2024-01-01') }}
select d, n, no_such_column from {{ ref('daily') }} where d >= {{ start }} and d < {{ end }}`;
// Two projects at once (their commands run as child processes): the example (every kind of
// model, seed and grain: in the artifacts and a plan), and a small one with a seed, a source, a
// model that fails, then stale and mismatched windows.
describe.concurrent('--json output of every command matches its schema', () => {
  let example: ReturnType<typeof copyExampleProject>;
  let project: TempProject;
  beforeAll(async () => {
    example = copyExampleProject();
    project = tempProject({
      'seeds/kinds.csv': 'kind,label\n1,one\n2,two\n',
      'models/sources.yml': `version: 2
sources:
  - name: raw
    schema: landing
    loaded_at_field: loaded_at
    freshness:
      warn_after: {count: 2, period: hour}
      error_after: {count: 1, period: day}
    tables:
      - name: orders
        description: orders as the shop writes them
      - name: gone
`,
      'models/schema.yml': `version: 2
models:
  - name: daily
    description: one row a day
    columns:
      - name: d
        description: the day
        tests: [not_null]
      - name: n
        tests:
          - expression: {expression: "n < 1", severity: warn}
          - relationships: {to: ref('kinds'), field: kind}
`,
      'models/daily.sql': `{{ config(materialized='incremental', time_column='d', grain='day', start='2024-01-01') }}
select {{ start }}::timestamp as d, 1 as n`,
      'models/broken.sql': BROKEN,
      'models/after.sql': `{{ config(materialized='table') }}select count(*) as n from {{ ref('broken') }}`,
      'models/from_source.sql': `{{ config(materialized='view') }}select id from {{ source('raw', 'orders') }}`,
    });
    await queryFile(
      project.warehouse,
      `create schema landing;
       create table landing.orders as select 1 as id, timezone('UTC', now()) - interval 3 hour as loaded_at;`,
    );
  });
  afterAll(() => {
    example.cleanup();
    project.cleanup();
  });

  it('build and the artifacts it writes; plan, status, dag, compile', async () => {
    const root = example.root;
    expect(existsSync(join(root, '.etl'))).toBe(false);
    const build = await json<{ run_id: string; started_at: string }>(root, [
      'build',
      '--date',
      '2024-01-15',
    ]);
    expectShape('run-summary', build);
    const results = artifact(root, 'run_results.json') as { run_id: string; results: unknown[] };
    expectShape('run-results', results);
    expect(results.run_id).toBe(build.run_id);
    expect(results.results.length).toBeGreaterThan(0);
    // Kept per run too, each step with when it started and on which thread.
    expect(artifact(root, `runs/${build.run_id}.json`)).toEqual(results);
    for (const step of results.results as {
      status: string;
      started_at: string | null;
      thread: number | null;
    }[])
      if (step.status === 'success') {
        expect(Date.parse(step.started_at ?? '')).toBeGreaterThan(Date.parse(build.started_at));
        expect(step.thread).toBeGreaterThanOrEqual(1);
      }
    const manifest = artifact(root, 'manifest.json') as { nodes: { name: string }[] };
    expectShape('manifest', manifest);
    expect(manifest.nodes.map((n) => n.name)).toContain('fct_orders');
    expectShape('plan', await json(root, ['plan', '--from', '2024-01-14', '--to', '2024-01-16']));
    expectShape('status', await json(root, ['status', '--until', '2024-01-16']));
    expectShape('dag', await json(root, ['dag']));
    expectShape('compile', await json(root, ['compile', '-s', 'fct_orders', 'stg_orders']));
  }, 120_000);

  // A small project for the rest: a seed, a source, a model that fails, then stale windows.
  it('seed, backfill, run, build, test, source freshness, init, verify, errors; a failed run and its artifacts', async () => {
    const root = project.root;
    const seed = await json<{ run_id: string }>(root, ['seed']);
    expectShape('run-summary', seed);
    expect((artifact(root, 'run_results.json') as { run_id: string }).run_id).toBe(seed.run_id);
    expectShape('run-results', artifact(root, 'run_results.json'));

    const failed = await json<{ failures: unknown[] }>(root, ['backfill', ...RANGE], 1);
    expectShape('run-summary', failed);
    expect(failed.failures).toEqual([
      expect.objectContaining({
        model: 'broken',
        window: '2024-01-01',
        from: '2024-01-01T00:00:00.000Z',
        to: '2024-01-02T00:00:00.000Z',
        code: 'E_SQL',
      }),
    ]);
    const results = artifact(root, 'run_results.json') as {
      status: string;
      results: { model: string; status: string; error: unknown }[];
    };
    expectShape('run-results', results);
    expect(results.status).toBe('failed');
    expect(results.results.find((r) => r.status === 'failed')).toMatchObject({
      model: 'broken',
      error: { code: 'E_SQL' },
    });
    const manifest = artifact(root, 'manifest.json') as { nodes: { name: string }[] };
    expectShape('manifest', manifest);
    expect(manifest.nodes.map((n) => n.name)).toEqual(
      expect.arrayContaining(['raw.orders', 'kinds', 'daily', 'broken']),
    );

    expectShape(
      'run-summary',
      await json(root, ['run', '--until', '2024-01-04', '-s', 'daily'], 0),
    );
    expectShape(
      'run-summary',
      await json(root, ['build', '--date', '2024-01-04', '-s', 'daily'], 0),
    );
    expectShape('test', await json(root, ['test', '-s', 'daily', ...RANGE]));
    expectShape('source-freshness', await json(root, ['source', 'freshness'], 1));
    expectShape('init', await json(root, ['init', 'starter']));
    expectShape('error', await json(root, ['build', '--date', '2024-13-01'], 2));
    // Fixed, then changed again: its windows are stale; a row changed by hand mismatches.
    project.write('models/broken.sql', BROKEN.replace(', no_such_column', ''));
    expectShape('run-summary', await json(root, ['backfill', ...RANGE]));
    project.write('models/broken.sql', BROKEN.replace('n, no_such_column', 'n + 0 as n'));
    await queryFile(
      project.warehouse,
      `update main.daily set n = 2 where d = TIMESTAMP '2024-01-02 00:00:00'`,
    );
    const verify = await json<{ mismatches: unknown[]; stale_windows: unknown[] }>(
      root,
      ['verify', ...RANGE],
      1,
    );
    expectShape('verify', verify);
    expect(verify.mismatches).toEqual([
      expect.objectContaining({
        model: 'daily',
        from: '2024-01-02T00:00:00.000Z',
        to: '2024-01-03T00:00:00.000Z',
      }),
    ]);
    expect(verify.stale_windows).toEqual([
      expect.objectContaining({
        model: 'broken',
        from: '2024-01-01T00:00:00.000Z',
        to: '2024-01-04T00:00:00.000Z',
        state: 'stale',
        count: 3,
      }),
    ]);
    const plan = await json<{ models: { model: string; reasons: unknown[] }[] }>(root, [
      'plan',
      ...RANGE,
    ]);
    expectShape('plan', plan);
    expect(plan.models.find((m) => m.model === 'broken')?.reasons).toEqual([
      {
        reason: 'sql changed',
        state: 'stale',
        count: 3,
        ranges: [
          {
            from: '2024-01-01T00:00:00.000Z',
            to: '2024-01-04T00:00:00.000Z',
            state: 'stale',
            count: 3,
          },
        ],
      },
    ]);
    expectShape('status', await json(root, ['status', '--until', '2024-01-03']));

    // Two problems: the error object lists both.
    project.write('models/x.sql', `select * from {{ ref('nope') }}`);
    project.write('models/y.sql', `select * from {{ ref('nope2') }}`);
    const errors = await json<{ error: { errors?: unknown[] } }>(root, ['build'], 2);
    expectShape('error', errors);
    expect(errors.error.errors).toHaveLength(2);
  }, 120_000);
});
