import type { Reporter } from '../core/execute/reporter.js';
import type { StepResult } from '../core/execute/run-summary.js';
import type { Plan, Step } from '../core/plan/plan.js';
import { formatCount, formatDuration, painter } from './output.js';

/**
 * Reports a run on stderr. On a TTY: failures as lines and one live progress line (windows
 * done/total, rows/s, ETA, failures). Otherwise (a pipe, CI): one plain line per step.
 */
export function consoleReporter(options: {
  color: boolean;
  tty: boolean;
  quiet: boolean;
  verbose: boolean;
}): Reporter {
  const paint = painter(options.color);
  const live = options.tty && !options.quiet;
  let total = 0;
  let done = 0;
  let failed = 0;
  let rows = 0;
  let started = 0;
  let lastDraw = 0;
  let drawn = false;

  const clear = (): void => {
    if (drawn) process.stderr.write('\r\u001b[2K');
    drawn = false;
  };
  const write = (line: string): void => {
    clear();
    process.stderr.write(`${line}\n`);
  };
  const draw = (force = false): void => {
    if (!live || total === 0) return;
    const now = performance.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const elapsed = (now - started) / 1000;
    const rate = elapsed > 0 ? rows / elapsed : 0;
    const eta = done > 0 && done < total ? ((now - started) / done) * (total - done) : 0;
    const width = 24;
    const filled = Math.round((done / total) * width);
    const bar = `${paint('green', '#'.repeat(filled))}${paint('dim', '-'.repeat(width - filled))}`;
    const parts = [
      `${bar} ${formatCount(done)}/${formatCount(total)} ${byWindows ? 'windows' : 'steps'}`,
      `${formatCount(Math.round(rate))} rows/s`,
      eta > 0 ? `ETA ${formatDuration(eta)}` : '',
      failed > 0 ? paint('red', `${failed} failed`) : '',
    ].filter((p) => p !== '');
    process.stderr.write(`\r\u001b[2K${parts.join('  ')}`);
    drawn = true;
  };
  // Progress counts windows; a plan with none (views and tables only) counts steps.
  let byWindows = true;
  const units = (step: Step): number => (byWindows ? step.windows.length : 1);

  return {
    planned: (plan: Plan) => {
      byWindows = plan.steps.some((s) => s.windows.length > 0);
      total = plan.steps.reduce((n, s) => n + units(s), 0);
      started = performance.now();
      draw(true);
    },
    stepStarted: (step) => {
      if (options.verbose) write(paint('dim', `  .. ${step.id} (${step.kind}, ${step.reason})`));
    },
    retrying: (step, attempt, delayMs, message) => {
      if (!options.quiet)
        write(
          `  ${paint('yellow', 'RETRY')} ${step.id} after attempt ${attempt} in ${formatDuration(delayMs)}: ${firstLine(message)}`,
        );
    },
    stepFinished: (result: StepResult) => {
      done += units(result.step);
      rows += result.rows;
      if (result.status === 'failed') failed += units(result.step);
      const print = result.status === 'failed' || options.verbose || (!live && !options.quiet);
      if (print && !(options.quiet && result.status !== 'failed'))
        write(line(result, paint, options.verbose));
      for (const t of result.tests ?? []) {
        if (t.status === 'warn')
          write(`  ${paint('yellow', 'WARN')} ${t.name}: ${t.message ?? ''}`);
        else if (options.verbose) write(paint('dim', `       test ${t.name}: ${t.status}`));
      }
      if (result.status === 'failed' && result.error?.hint)
        write(`       ${paint('cyan', 'help')}: ${result.error.hint}`);
      draw(done === total);
    },
    finished: () => clear(),
    info: (message) => {
      if (!options.quiet) write(message);
    },
  };
}

function line(result: StepResult, paint: ReturnType<typeof painter>, verbose: boolean): string {
  const { step } = result;
  const what = step.id.replace('@', '  ');
  if (result.status === 'success') {
    const rows =
      step.kind === 'view'
        ? ''
        : `, ${formatCount(result.rows)} row${result.rows === 1 ? '' : 's'}`;
    const retried = result.attempts > 1 ? `, ${result.attempts} attempts` : '';
    return `  ${paint('green', 'OK  ')} ${what}  ${paint('dim', `${step.kind}${rows}, ${formatDuration(result.durationMs)}${retried}`)}`;
  }
  if (result.status === 'unchanged')
    return `  ${paint('dim', 'SAME')} ${what}  ${paint('dim', 'inputs unchanged, not rebuilt')}`;
  const message = result.error?.message ?? '';
  if (result.status === 'failed')
    return `  ${paint('red', 'FAIL')} ${what}  ${verbose ? message : firstLine(message)}`;
  return `  ${paint('yellow', 'SKIP')} ${what}  ${paint('dim', message || 'upstream failed')}`;
}

/** The first line of a message (engine errors append the SQL with a caret). */
export function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
