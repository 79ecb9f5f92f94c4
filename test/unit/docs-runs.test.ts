import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ganttOf, lastTestResults, readRecentResults } from '../../core/api/docs-runs.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A folder of kept run results: name -> content. */
function kept(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'etl-runs-'));
  dirs.push(dir);
  for (const [name, value] of Object.entries(files))
    writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  return dir;
}

const step = (over: Record<string, unknown> = {}) => ({
  step: 'm@2024-01-01',
  model: 'm',
  status: 'success',
  windows: 1,
  rows: 5,
  duration_ms: 40,
  started_at: '2024-05-01T00:00:01.000Z',
  thread: 2,
  tests: [{ name: 'not_null(m.id)', status: 'pass', failures: 0 }],
  ...over,
});
const run = (id: string, command: string, results: unknown[]) => ({
  run_id: id,
  command,
  status: 'success',
  started_at: '2024-05-01T00:00:00.000Z',
  duration_ms: 100,
  results,
});

describe('the run results kept for the docs', () => {
  it('passes over files and steps that are not a run’s results', () => {
    const dir = kept({
      'a.json': run('a', 'backfill', [null, 7, { step: 's' }, step(), step({ tests: {} })]),
      'b.json': '{"run_id":"b","results":[null]}',
      'c.json': '',
      'd.json': '[1,2]',
      '.hidden.json': run('h', 'backfill', [step()]),
    });
    const runs = readRecentResults(dir);
    expect(runs.map((r) => r.runId)).toEqual(['a']);
    expect(runs[0]?.steps).toHaveLength(2);
    expect(lastTestResults(runs).get('not_null(m.id)')).toEqual({
      status: 'pass',
      failures: 0,
      run_id: 'a',
    });
  });

  it('draws the newest backfill that wrote windows, not a later one with nothing to do', () => {
    const dir = kept({
      '1.json': run('1', 'backfill', [
        step(),
        step({ thread: 3, started_at: '2024-05-01T00:00:02.000Z' }),
      ]),
      '2.json': run('2', 'backfill', [step({ status: 'unchanged', windows: 1 })]),
      '3.json': run('3', 'build', [step()]),
    });
    const gantt = ganttOf(readRecentResults(dir));
    expect(gantt).toMatchObject({ run_id: '1', threads: 3 });
    expect(gantt?.steps.map((s) => s.start)).toEqual([1000, 2000]);
  });

  it('else the newest run with timed steps, else none', () => {
    expect(
      ganttOf(readRecentResults(kept({ '3.json': run('3', 'build', [step()]) })))?.run_id,
    ).toBe('3');
    expect(
      ganttOf(readRecentResults(kept({ '3.json': run('3', 'build', [step({ thread: null })]) }))),
    ).toBeNull();
  });
});
