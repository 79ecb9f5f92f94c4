import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { BIN, runCli } from '../helpers/run-cli.js';

let project: TempProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

const ESC = '\u001b';

/** A daily incremental model: a build prints a step line and, on a terminal, a progress line. */
function dailyProject(): TempProject {
  return tempProject({
    'models/daily.sql': `{{ config(materialized='incremental', time_column='d', grain='day', start='2024-01-01') }}
select {{ start }} as d, 1 as n`,
  });
}

/** Whether util-linux `script` can give the CLI a pseudo-terminal here. */
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Run `etl ...args` on a pseudo-terminal (stdout and stderr both go to it). */
function runOnTerminal(args: readonly string[], cwd: string, env: Record<string, string>) {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ETL_TARGET: '', ...env },
    timeout: 120_000,
  });
  return { code: result.status ?? -1, output: result.stdout };
}

describe('colour', () => {
  it('FORCE_COLOR=1 colours a pipe, but moves no cursor there', () => {
    project = dailyProject();
    const compiled = runCli(['compile', '--date', '2024-01-02'], project.root, {
      NO_COLOR: '',
      FORCE_COLOR: '1',
    });
    expect(compiled.code, compiled.stderr).toBe(0);
    expect(compiled.stdout).toContain(`${ESC}[`);
    const built = runCli(['build', '--date', '2024-01-02'], project.root, { FORCE_COLOR: '1' });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain(`${ESC}[32mOK`);
    expect(built.stderr).not.toContain(`${ESC}[2K`);
  });

  it.each([
    ['NO_COLOR=1', { NO_COLOR: '1' }],
    ['FORCE_COLOR=0', { NO_COLOR: '', FORCE_COLOR: '0' }],
    ['a pipe', { NO_COLOR: '', FORCE_COLOR: '' }],
  ])('%s gives no escape codes', (_what, env) => {
    project = dailyProject();
    const built = runCli(['build', '--date', '2024-01-02'], project.root, env);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain('OK');
    expect(built.stderr + built.stdout).not.toContain(ESC);
  });

  it.skipIf(!hasScript)('TERM=dumb on a terminal: no escape codes, one plain line per step', () => {
    project = dailyProject();
    const args = ['build', '--date', '2024-01-02'];
    // The control: the same terminal otherwise gets colour and the live progress line.
    const xterm = runOnTerminal(args, project.root, { TERM: 'xterm' });
    expect(xterm.code, xterm.output).toBe(0);
    expect(xterm.output).toContain(`${ESC}[2K`);
    project.cleanup();
    project = dailyProject();
    const dumb = runOnTerminal(args, project.root, { TERM: 'dumb' });
    expect(dumb.code, dumb.output).toBe(0);
    expect(dumb.output).not.toContain(ESC);
    // The terminal turns \n into \r\n; a lone \r would be a redrawn line.
    expect(dumb.output.replace(/\r\n/g, '\n')).not.toContain('\r');
    expect(dumb.output).toMatch(/OK\s+daily\s+2024-01-02/);
  });
});

describe('a reader that stops after the first line', () => {
  it.each(
    [['compile'], ['dag'], ['dag', '--format', 'json']].map((a) => [a.join(' '), a] as const),
  )('etl %s ends quietly: exit 0, nothing on stderr', async (_name, args) => {
    // 400 views of about 1 KB of SQL each: far more than a pipe holds.
    const files: Record<string, string> = {};
    const columns = Array.from({ length: 60 }, (_, i) => `${i} as column_${i}`).join(', ');
    for (let i = 0; i < 400; i++) files[`models/m${i}.sql`] = `select ${columns}`;
    project = tempProject(files);
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: project.root,
      env: { ...process.env, NO_COLOR: '1', ETL_TARGET: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\n')) child.stdout.destroy();
    });
    const [code] = (await once(child, 'close')) as [number];
    expect(stdout.length).toBeGreaterThan(0);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('help', () => {
  const commands = [
    [],
    ['init'],
    ['compile'],
    ['dag'],
    ['plan'],
    ['seed'],
    ['build'],
    ['backfill'],
    ['run'],
    ['test'],
    ['verify'],
    ['status'],
    ['source'],
    ['source', 'freshness'],
  ];

  it.each(commands.map((c) => [c.join(' ') || 'etl', c] as const))(
    '%s --help shows examples and the global options',
    (_name, command) => {
      const result = runCli([...command, '--help'], tmpdir());
      expect(result.code, result.stderr).toBe(0);
      const examples = result.stdout.slice(result.stdout.indexOf('Examples:'));
      expect(examples).toMatch(/^Examples:\n/);
      expect(examples.match(/^ {2}\$ etl /gm)?.length).toBeGreaterThanOrEqual(2);
      if (command.length > 0) {
        expect(result.stdout).toContain('Global Options:');
        const global = result.stdout.slice(result.stdout.indexOf('Global Options:'));
        for (const flag of ['--target', '--json', '--quiet', '--verbose', '--vars'])
          expect(global).toContain(flag);
      }
    },
  );

  it('examples match the README commands', () => {
    const out = runCli(['backfill', '--help'], tmpdir()).stdout;
    expect(out).toContain('$ etl backfill --from 2024-01-01 --to 2024-03-31 -s +fct_orders');
    expect(runCli(['test', '--help'], tmpdir()).stdout).toContain('$ etl test --to 2024-01-31');
    expect(runCli(['source', 'freshness', '--help'], tmpdir()).stdout).toContain(
      '$ etl source freshness -s raw.orders',
    );
  });
});

describe('--version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };

  it.each([['--version'], ['-V'], ['build', '--version']].map((a) => [a.join(' '), a] as const))(
    'etl %s names etl and DuckDB',
    (_name, args) => {
      const result = runCli(args, tmpdir());
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(
        new RegExp(
          `^etl ${pkg.version.replace(/\./g, '\\.')} \\(duckdb v\\d+\\.\\d+\\.\\d+\\S*\\)\\n$`,
        ),
      );
    },
  );
});
