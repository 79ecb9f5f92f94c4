import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { queryFile, tableChecksums } from '../helpers/duckdb.js';

/**
 * The bad-input corpus: test/fixtures/bad/NN-name/ holds case.json (the command, its exit code
 * and the words its message must contain) and files/ laid over the small project in _base/.
 * Every case runs against a copy of a warehouse built from _base, and (unless it is meant to
 * write) must leave every table and the ledger exactly as they were.
 */
interface Case {
  args: string[];
  exit: number;
  contains: string[];
  /** Words the output must not hold (a secret). */
  absent?: string[];
  stdout?: boolean;
  writes?: boolean;
  outside?: Record<string, string>;
  query?: string;
  rows?: Record<string, unknown>[];
}

const CORPUS = fileURLToPath(new URL('../fixtures/bad/', import.meta.url));
const cases = readdirSync(CORPUS)
  .filter((d) => /^\d+-/.test(d))
  .sort();

let work: string;
let warehouse: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'etl-bad-'));
  const base = join(work, 'base', 'project');
  cpSync(join(CORPUS, '_base'), base, { recursive: true });
  const built = runCli(['build', '--date', '2024-01-02', '--quiet'], base);
  expect(built.code, built.stderr).toBe(0);
  warehouse = join(base, 'warehouse.duckdb');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bad input: a clear error, the right exit code, and the warehouse untouched', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('%s', async (name) => {
    const spec = JSON.parse(readFileSync(join(CORPUS, name, 'case.json'), 'utf8')) as Case;
    const root = join(work, name);
    const project = join(root, 'project');
    cpSync(join(CORPUS, '_base'), project, { recursive: true });
    if (existsSync(join(CORPUS, name, 'files')))
      cpSync(join(CORPUS, name, 'files'), project, { recursive: true, verbatimSymlinks: true });
    for (const [file, text] of Object.entries(spec.outside ?? {})) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    }
    cpSync(warehouse, join(project, 'warehouse.duckdb'));
    const before = await tableChecksums(join(project, 'warehouse.duckdb'));

    const result = runCli(spec.args, project);
    const output = spec.stdout ? result.stdout : result.stderr;
    expect(result.code, `${spec.args.join(' ')}\n${result.stderr}${result.stdout}`).toBe(spec.exit);
    for (const words of spec.contains) expect(output).toContain(words);
    for (const words of spec.absent ?? [])
      expect(result.stdout + result.stderr).not.toContain(words);
    if (spec.exit === 2 && !spec.stdout) expect(output).toMatch(/^error\[E_[A-Z_]+\]: /m);

    if (spec.query)
      expect(await queryFile(join(project, 'warehouse.duckdb'), spec.query)).toEqual(spec.rows);
    if (!spec.writes)
      expect(await tableChecksums(join(project, 'warehouse.duckdb'))).toEqual(before);
  });
});
