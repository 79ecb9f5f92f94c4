import { spawnSync } from 'node:child_process';
import { Terminal } from '@xterm/headless';
import { afterEach, describe, expect, it } from 'vitest';
import { copyExampleProject } from '../helpers/example-project.js';
import { tempProject } from '../helpers/temp-project.js';
import { BIN, runCli } from '../helpers/run-cli.js';

/**
 * The progress display, as a user sees it: a real pseudo-terminal (util-linux `script`) of
 * 50 and 120 columns whose output is replayed in a terminal emulator (xterm.js headless), and
 * a pipe as CI reads it.
 */

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function example(): string {
  const p = copyExampleProject();
  cleanups.push(p.cleanup);
  return p.root;
}

/** Ten days of the example: 300 windows, a few seconds. */
const BACKFILL = ['backfill', '--from', '2024-01-01', '--to', '2024-01-10', '--threads', '2'];

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Run `etl ...args` on a pseudo-terminal of `columns` x `rows`; all it wrote, raw. */
function onTerminal(args: readonly string[], cwd: string, columns: number, rows: number) {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = `stty cols ${columns} rows ${rows}; ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', TERM: 'xterm-256color', ETL_TARGET: '' },
    timeout: 180_000,
  });
  return { code: result.status ?? -1, output: result.stdout };
}

/** The screen and scrollback after replaying `output` on a terminal of that size. */
async function replay(output: string, columns: number, rows: number): Promise<string[]> {
  const term = new Terminal({ cols: columns, rows, scrollback: 10_000, allowProposedApi: true });
  await new Promise<void>((resolve) => term.write(output, resolve));
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) {
    const line = buffer.getLine(i);
    if (line === undefined) continue;
    lines.push(line.translateToString(true));
  }
  return lines;
}

/** What a stretch of terminal output shows, escape codes taken out. */
function visible(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
}

describe.skipIf(!hasScript)('on a terminal', () => {
  it.each([
    [50, 16],
    [120, 30],
  ])(
    'at %i columns: live lines per model and a total with an ETA, cut to the width, cleared at the end',
    async (columns, rows) => {
      const cwd = example();
      const { code, output } = onTerminal(BACKFILL, cwd, columns, rows);
      expect(code, output).toBe(0);
      // While it ran: lines per model with done/total, and a total line that has an ETA.
      const shown = visible(output);
      expect(shown).toMatch(/hourly_orders\s+#*-*\s+[\d,]+\/240/);
      expect(shown).toMatch(/[\d,]+\/[\d,]+ windows/);
      expect(shown).toMatch(/ETA \d|estimating/);
      // No line the live region drew is wider than the terminal: nothing wrapped.
      // Every line drawn before the closing table is a model line or the total line, and
      // narrower than the terminal: a line too wide would show as a piece of a line here.
      const drawn = shown
        .slice(0, shown.search(/ {2}model +(kind +)?windows/))
        .split(/[\r\n]/)
        .filter((l) => l.trim() !== '' && !l.startsWith('etl backfill: '));
      expect(drawn.length).toBeGreaterThan(5);
      for (const line of drawn) {
        expect(line).toMatch(
          /^( {2}\S+ +[#-]+ [\d,]+\/[\d,]+ {2}\S+ \S+|[#-]+ [\d,]+\/[\d,]+ windows( {2}|$)| {2}… and \d+ more)/,
        );
        expect(line.length, line).toBeLessThan(columns);
      }
      // Replayed: the region is gone, leaving no staircase of old progress lines; what stays
      // is the announcement, the table per model and the closing line.
      const screen = await replay(output, columns, rows);
      const text = screen.join('\n');
      expect(text).not.toMatch(/##|--- |ETA|estimating|rows\/s/);
      expect(text).toMatch(/^etl backfill: /m);
      expect(text).toMatch(/^ {2}model +(kind +)?windows +rows +time/m);
      expect(text).toMatch(/^ {2}hourly_orders +(incremental +)?240\/240 /m);
      expect(text).toMatch(/^Done: .* windows built in /m);
    },
    200_000,
  );

  it('a failure is a line above the live region, and stays on the screen', async () => {
    const p = tempProject({
      'models/daily.sql': `{{ config(materialized='incremental', time_column='d', start='2024-01-01') }}
select {{ start }} as d, case when {{ start }} = date '2024-01-10' then error('boom') else 1 end as n`,
    });
    cleanups.push(() => p.cleanup());
    const args = ['backfill', '--from', '2024-01-01', '--to', '2024-01-31', '--retries', '0'];
    const { code, output } = onTerminal(args, p.root, 80, 24);
    expect(code, output).toBe(1);
    const screen = (await replay(output, 80, 24)).join('\n');
    expect(screen).toMatch(/FAIL daily {2}2024-01-10 {2}/);
    expect(screen).toMatch(/x daily 2024-01-10: .*boom/);
    expect(screen).toMatch(/^ {2}daily +incremental +30\/31 +30 +\S+ +\S+ +1$/m);
    expect(screen).not.toMatch(/##|ETA/);
  }, 120_000);
});

describe('in a pipe', () => {
  it('every step line has the time and [n/N]; a progress line comes every ETL_PROGRESS_SECONDS', () => {
    const cwd = example();
    // A line per window (merged windows would be a line per transaction, and a shorter run).
    const result = runCli([...BACKFILL, '--batch-size', '1'], cwd, { ETL_PROGRESS_SECONDS: '0.5' });
    expect(result.code, result.stderr).toBe(0);
    const steps = result.stderr.split('\n').filter((l) => /\b(OK|SAME|FAIL|SKIP) /.test(l));
    expect(steps.length).toBeGreaterThan(50);
    const total = /\[\s*\d+\/(\d+)\]/.exec(steps[0] ?? '')?.[1];
    for (const line of steps)
      expect(line).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d \\[\\s*\\d+/${total}\\] `));
    // The counter counts up to the total.
    expect(steps.at(-1)).toMatch(new RegExp(`\\[${total}/${total}\\]`));
    const progress = result.stderr.split('\n').filter((l) => l.includes('progress: '));
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress)
      expect(line).toMatch(
        /^\d\d:\d\d:\d\d progress: \d+% \([\d,]+\/[\d,]+ windows\), .* elapsed, ETA (\d|estimating)/,
      );
    expect(result.stderr).not.toContain('\u001b');
    expect(result.stderr).toMatch(/^ {2}model +kind +windows/m);
  }, 120_000);

  it('--json keeps stdout one JSON object and the progress on stderr; --quiet silences it', () => {
    const cwd = example();
    const json = runCli([...BACKFILL, '--json'], cwd);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ schema_version: 1, status: 'success' });
    expect(json.stderr).toMatch(/\] OK /);
    const quiet = runCli(
      ['backfill', '--from', '2024-02-01', '--to', '2024-02-02', '--json', '--quiet'],
      cwd,
    );
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
  }, 120_000);

  it('a bad ETL_PROGRESS_SECONDS is a usage error', () => {
    const cwd = example();
    const result = runCli(BACKFILL, cwd, { ETL_PROGRESS_SECONDS: 'soon' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ETL_PROGRESS_SECONDS');
  });
});
