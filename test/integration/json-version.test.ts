import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExampleProject } from '../helpers/example-project.js';
import { runCli } from '../helpers/run-cli.js';

let example: ReturnType<typeof copyExampleProject>;
beforeAll(() => {
  example = copyExampleProject();
  expect(runCli(['build', '--date', '2024-01-15', '--quiet'], example.root).code).toBe(0);
});
afterAll(() => example.cleanup());

describe('--json', () => {
  it.each([
    ['build', '--date', '2024-01-16'],
    ['backfill', '--from', '2024-01-16', '--to', '2024-01-17'],
    ['seed'],
    ['plan', '--date', '2024-01-18'],
    ['status', '--until', '2024-01-17'],
    ['verify', '--from', '2024-01-16', '--to', '2024-01-16'],
    ['test', '--to', '2024-01-03'],
    ['dag'],
    ['compile', '-s', 'fct_orders'],
    ['source', 'freshness'],
    ['build', '--date', '2024-13-01'],
  ])('of etl %s starts with "schema_version": 1', (...args) => {
    const result = runCli([...args, '--json'], example.root);
    expect(result.stdout.startsWith('{"schema_version":1,'), result.stdout.slice(0, 200)).toBe(
      true,
    );
    expect(() => JSON.parse(result.stdout) as unknown).not.toThrow();
  });
});
