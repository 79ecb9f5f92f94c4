import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProject, planBuildProject } from '../../core/api/build.js';
import { openDuckDB } from '../../core/engine/duckdb.js';
import type { Statement } from '../../core/materialize/statement.js';
import { copyExampleProject } from '../helpers/example-project.js';
import { recordingEngine } from '../helpers/recording-engine.js';
import { runCli } from '../helpers/run-cli.js';

/**
 * `etl plan --json` and `--sql` show each step's statements, made by the functions the
 * executor uses: on the example project, what the plan shows is what the build then runs.
 */
let example: ReturnType<typeof copyExampleProject>;

beforeAll(() => {
  example = copyExampleProject();
});

afterAll(() => example.cleanup());

interface StepJson {
  id: string;
  kind: string;
  statements: { purpose: string; sql: string; test?: string }[] | null;
  statements_unknown?: string;
}

describe('plan statements', () => {
  it('before the warehouse exists: seeds and views are known, queries say why not', () => {
    const run = runCli(['plan', '--date', '2024-01-15', '--json'], example.root);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as { steps: StepJson[] };
    const seed = plan.steps.find((s) => s.kind === 'seed');
    expect(seed?.statements?.map((s) => s.purpose)).toEqual([
      'schema',
      'drop',
      'create',
      'swap',
      'record',
      'record',
    ]);
    const view = plan.steps.find((s) => s.id === 'stg_orders');
    expect(view?.statements?.map((s) => s.purpose).slice(0, 4)).toEqual([
      'begin',
      'schema',
      'create',
      'record',
    ]);
    const window = plan.steps.find((s) => s.id === 'fct_orders@2024-01-15');
    expect(window?.statements).toBeNull();
    expect(window?.statements_unknown).toBe(
      'the warehouse does not exist yet, so the query cannot be described',
    );
    // Planning read nothing into being.
    expect(existsSync(example.warehouse)).toBe(false);
  });

  it('shows exactly the statements the build then runs, in order', async () => {
    const common = {
      project: example.root,
      clock: () => Date.UTC(2024, 0, 17, 3),
      runId: () => 'run-same',
    };
    const first = await buildProject({ ...common, date: Date.UTC(2024, 0, 15) });
    expect(first.summary.failures).toEqual([]);

    const planned = new Map<string, { statements?: readonly Statement[]; after: boolean }>();
    await planBuildProject({
      ...common,
      date: Date.UTC(2024, 0, 16),
      withStatements: async (_plan, statements) => {
        // A conditional step runs only if its upstream changed what it reads.
        for await (const [step, s] of statements)
          if (!step.conditional) planned.set(step.id, { ...s, after: step.dependsOn.length > 0 });
      },
    });
    expect(planned.size).toBeGreaterThan(30);
    expect([...planned].filter(([, s]) => s.statements === undefined)).toEqual([]);

    const log: string[] = [];
    const engine = await openDuckDB(example.warehouse);
    try {
      const second = await buildProject({
        ...common,
        date: Date.UTC(2024, 0, 16),
        engine: recordingEngine(engine, log),
        threads: 1,
      });
      expect(second.summary.failures).toEqual([]);
    } finally {
      await engine.close();
    }
    // Each step's planned statements ran one after another (a test runs as a count of its
    // failing rows). The ledger row of a step after another of the plan records what it read
    // when it ran (an upstream window the plan builds is missing when planning): it is the
    // only statement that may differ.
    for (const [id, { statements, after }] of planned) {
      const sqls = (statements ?? []).map((s) =>
        s.purpose === 'test'
          ? `SELECT count(*) AS n FROM (\n${s.sql}\n)`
          : after && (s.purpose === 'ledger' || s.purpose === 'record')
            ? undefined
            : s.sql,
      );
      const ran = log.some((_, i) =>
        sqls.every((sql, k) => sql === undefined || log[i + k] === sql),
      );
      expect(ran, `${id} ran as planned:\n${sqls.join(';\n')}`).toBe(true);
    }
  });

  it('--sql prints the plan, then each step with its statements', () => {
    const run = runCli(
      ['plan', '--date', '2024-01-17', '--sql', '-s', 'daily_revenue'],
      example.root,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '-- daily_revenue@2024-01-17: incremental, missing\n-- begin\nBEGIN TRANSACTION;\n-- delete\nDELETE FROM "main"."daily_revenue"',
    );
    expect(run.stdout).toMatch(/-- ledger\nINSERT INTO etl_state\.partitions/);
    expect(run.stdout.trimEnd().endsWith('-- commit\nCOMMIT;')).toBe(true);
  });
});
