import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { runCli } from '../helpers/run-cli.js';
import { DEFAULT_RETRY } from '../../core/execute/retry.js';
import { backfillProjectFiles } from '../helpers/backfill-project.js';

let project: TempProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

describe('the CLI at its edges', () => {
  it('--retries says the default the code uses', () => {
    project = tempProject({ 'models/m.sql': 'select 1 as x' });
    expect(runCli(['build', '--help'], project.root).stdout).toMatch(
      new RegExp(
        `--retries <n>\\s+retries of transient errors \\(default: ${DEFAULT_RETRY.retries}\\)`,
      ),
    );
  });

  it('a symbolic link inside the project is read under its own name', () => {
    project = tempProject({ 'shared/base.sql': 'select 42 as answer' });
    mkdirSync(join(project.root, 'models'));
    symlinkSync('../shared/base.sql', join(project.root, 'models', 'answer.sql'));
    const result = runCli(['build', '--date', '2024-01-02', '--quiet'], project.root);
    expect(result.code, result.stderr).toBe(0);
    expect(runCli(['dag', '--format', 'json'], project.root).stdout).toContain('"answer"');
  });

  it('status of an hourly model from 1900 is a few ranges, not a million windows', () => {
    project = tempProject({
      'models/hourly.sql': `{{ config(materialized='incremental', time_column='h', grain='hour', start='1900-01-01') }}
select {{ start }} as h, 1 as n`,
    });
    expect(runCli(['build', '--date', '2024-01-15', '--quiet'], project.root).code).toBe(0);
    const status = JSON.parse(
      runCli(['status', '--until', '2024-12-31', '--json'], project.root).stdout,
    ) as {
      models: {
        counts: { done: number; missing: number };
        ranges: { state: string; count: number }[];
      }[];
    };
    const [model] = status.models;
    expect(model!.counts.done).toBe(24);
    expect(model!.ranges.map((r) => [r.state, r.count])).toEqual([
      ['missing', 1_087_296],
      ['done', 24],
      ['missing', 8_424],
    ]);
  });

  it('plan --until takes --batch-size, as run does', () => {
    project = tempProject(backfillProjectFiles(7));
    const plan = JSON.parse(
      runCli(
        ['plan', '--until', '2024-01-07', '--batch-size', '7', '-s', '+daily', '--json'],
        project.root,
      ).stdout,
    ) as { steps: { model: string; windows: unknown[] }[] };
    expect(plan.steps.filter((s) => s.model === 'daily').map((s) => s.windows.length)).toEqual([7]);
  });
});
