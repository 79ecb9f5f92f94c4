import type { Reporter } from '../core/execute/reporter.js';
import type { StepResult } from '../core/execute/run-summary.js';
import type { Plan, Step } from '../core/plan/plan.js';
import { ERASE_LINE, formatCount, formatDuration, painter, useCursor } from './output.js';

/**
 * Reports a run on stderr. On a TTY: failures as lines and one live progress line (windows
 * done/total, rows/s, ETA, failures). Otherwise (a pipe, CI, `TERM=dumb`): one plain line per
 * step, and no cursor movement.
 */
export function consoleReporter(options: ReporterOptions): Reporter {
  const paint = painter(options.color);
  const live = options.tty && useCursor(process.stderr) && !options.quiet;
  // Progress counts windows; a plan with none (views and tables only) counts steps.
  const progress: Progress = {
    total: 0,
    done: 0,
    failed: 0,
    rows: 0,
    started: 0,
    byWindows: true,
  };
  let lastDraw = 0;
  let drawn = false;
  const clear = (): void => {
    if (drawn) process.stderr.write(ERASE_LINE);
    drawn = false;
  };
  const write = (line: string): void => {
    clear();
    process.stderr.write(`${line}\n`);
  };
  const draw = (force = false): void => {
    if (!live || progress.total === 0) return;
    const now = performance.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    process.stderr.write(`${ERASE_LINE}${progressLine(progress, now, paint)}`);
    drawn = true;
  };
  const units = (step: Step): number => (progress.byWindows ? step.windows.length : 1);
  return {
    planned: (plan: Plan) => {
      progress.byWindows = plan.steps.some((s) => s.windows.length > 0);
      progress.total = plan.steps.reduce((n, s) => n + units(s), 0);
      progress.started = performance.now();
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
      progress.done += units(result.step);
      progress.rows += result.rows;
      if (result.status === 'failed') progress.failed += units(result.step);
      for (const l of stepLines(result, paint, options, live)) write(l);
      draw(progress.done === progress.total);
    },
    finished: () => clear(),
    info: (message) => {
      if (!options.quiet) write(message);
    },
  };
}

/** Options of {@link consoleReporter}. */
interface ReporterOptions {
  color: boolean;
  tty: boolean;
  quiet: boolean;
  verbose: boolean;
}

/** How far a run is, in windows (or steps, for a plan without windows). */
interface Progress {
  total: number;
  done: number;
  failed: number;
  rows: number;
  /** When the plan came (performance.now()). */
  started: number;
  byWindows: boolean;
}

/** The live progress line: a bar, done/total, rows/s, ETA, failures. */
function progressLine(progress: Progress, now: number, paint: Paint): string {
  const { total, done, failed, rows, started } = progress;
  const elapsed = (now - started) / 1000;
  const rate = elapsed > 0 ? rows / elapsed : 0;
  const eta = done > 0 && done < total ? ((now - started) / done) * (total - done) : 0;
  const width = 24;
  const filled = Math.round((done / total) * width);
  const bar = `${paint('green', '#'.repeat(filled))}${paint('dim', '-'.repeat(width - filled))}`;
  const parts = [
    `${bar} ${formatCount(done)}/${formatCount(total)} ${progress.byWindows ? 'windows' : 'steps'}`,
    `${formatCount(Math.round(rate))} rows/s`,
    eta > 0 ? `ETA ${formatDuration(eta)}` : '',
    failed > 0 ? paint('red', `${failed} failed`) : '',
  ].filter((p) => p !== '');
  return parts.join('  ');
}

/**
 * The lines a finished step prints: its own (always if it failed; otherwise when verbose or
 * without a live line, unless quiet), its tests' warnings, and a failure's hint.
 */
function stepLines(
  result: StepResult,
  paint: Paint,
  options: ReporterOptions,
  live: boolean,
): string[] {
  const lines: string[] = [];
  // Steps an interrupt kept from starting are counted in the summary, not listed one by one.
  if (
    result.status === 'cancelled' &&
    result.error?.message === 'not run: interrupted' &&
    !options.verbose
  )
    return lines;
  const print = result.status === 'failed' || options.verbose || (!live && !options.quiet);
  if (print && !(options.quiet && result.status !== 'failed'))
    lines.push(line(result, paint, options.verbose));
  for (const t of result.tests ?? []) {
    if (t.status === 'warn')
      lines.push(`  ${paint('yellow', 'WARN')} ${t.name}: ${t.message ?? ''}`);
    else if (options.verbose) lines.push(paint('dim', `       test ${t.name}: ${t.status}`));
  }
  if (result.status === 'failed' && result.error?.hint)
    lines.push(`       ${paint('cyan', 'help')}: ${result.error.hint}`);
  return lines;
}

/** Paints text when the output takes colour. */
type Paint = ReturnType<typeof painter>;

/** A finished step's own line: OK, SAME, FAIL or SKIP, with what it did. */
function line(result: StepResult, paint: Paint, verbose: boolean): string {
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
  if (result.status === 'unchanged' && result.builtBy !== undefined)
    return `  ${paint('dim', 'SAME')} ${what}  ${paint('dim', `built meanwhile by run ${result.builtBy}`)}`;
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
