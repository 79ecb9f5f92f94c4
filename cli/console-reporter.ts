import type { Reporter, StepBatch } from '../core/execute/reporter.js';
import type { StepResult } from '../core/execute/run-summary.js';
import type { Plan } from '../core/plan/plan.js';
import { formatCount, formatDuration, painter, useCursor } from './output.js';
import { RunProgress } from './run-progress.js';
import type * as LiveTerminal from './live-terminal.js';

/**
 * Reports a run on stderr. On a terminal: failures as lines above a live region of one line
 * per model under way (windows done/total, a bar, elapsed) and a total line (rows/s, a
 * cost-weighted ETA, failures), each cut to the terminal's width, redrawn in place by
 * log-update. Otherwise (a pipe, CI, `TERM=dumb`): one plain line per step with the time and
 * `[n/N]`, and a `progress:` line every 30 s. At the end, unless quiet: a table per model.
 */
export function consoleReporter(options: ReporterOptions): Reporter {
  const paint = painter(options.color);
  const stream = options.stream ?? process.stderr;
  const terminal = options.terminal;
  const live = terminal !== undefined && useCursor(stream) && !options.quiet;
  const clock = options.clock ?? (() => performance.now());
  // A pseudo-terminal may report 0 x 0 (`script` without a terminal around it): then 80 x 24.
  const size = {
    get columns(): number {
      return stream.columns || 80;
    },
    get rows(): number {
      return stream.rows || 24;
    },
  };
  const region = live
    ? terminal.createLogUpdate(
        Object.assign(Object.create(size) as object, {
          isTTY: true,
          write: (text: string) => stream.write(text),
        }) as NodeJS.WriteStream,
      )
    : undefined;
  let progress: RunProgress | undefined;
  let lastDraw = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = (force = false): void => {
    if (region === undefined || progress === undefined) return;
    const now = clock();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    region(liveRegion(progress, now, paint, size, terminal?.cliTruncate).join('\n'));
  };
  const write = (line: string): void => {
    region?.clear();
    stream.write(`${line}\n`);
    draw(true);
  };
  /** A pipe's lines carry the time of day, as dbt's do. */
  const stamp = (line: string): string => (live ? line : `${timeOfDay()} ${line}`);
  const counter = (): string => {
    if (progress === undefined) return '';
    const { stepsDone, stepsTotal } = progress.snapshot(clock());
    const width = String(stepsTotal).length;
    return `[${String(stepsDone).padStart(width)}/${stepsTotal}] `;
  };
  return {
    planned: (plan: Plan) => {
      progress = new RunProgress(plan, clock());
      if (plan.steps.length === 0 || options.quiet) return;
      if (live) {
        draw(true);
        timer = setInterval(() => draw(true), 1000);
      } else {
        timer = setInterval(() => {
          if (progress !== undefined) stream.write(`${stamp(progressLine(progress, clock()))}\n`);
        }, options.progressEveryMs ?? 30_000);
      }
      timer.unref();
    },
    stepStarted: (step) => {
      progress?.stepStarted(step, clock());
      if (options.verbose)
        write(stamp(paint('dim', `  .. ${step.id} (${step.kind}, ${step.reason})`)));
      else draw();
    },
    retrying: (step, attempt, delayMs, message) => {
      if (!options.quiet)
        write(
          stamp(
            `  ${paint('yellow', 'RETRY')} ${step.id} after attempt ${attempt} in ${formatDuration(delayMs)}: ${firstLine(message)}`,
          ),
        );
    },
    stepFinished: (result: StepResult, batch?: StepBatch) => {
      progress?.stepFinished(result, clock());
      // Steps written in one transaction: one line, with the last of them.
      if (batch !== undefined && result !== batch.results.at(-1)) return draw();
      const lines =
        batch === undefined
          ? stepLines(result, paint, options, live, counter())
          : batchLines(batch, paint, options, live, counter());
      for (const l of lines) write(l.startsWith('[') ? stamp(l) : l);
      if (lines.length === 0) draw();
    },
    finished: () => {
      if (timer !== undefined) clearInterval(timer);
      region?.clear();
      region?.done();
      if (progress !== undefined && !options.quiet)
        for (const l of summaryTable(progress, paint, size.columns)) stream.write(`${l}\n`);
    },
    info: (message) => {
      if (!options.quiet) write(stamp(message));
    },
  };
}

/** Options of {@link consoleReporter}. */
interface ReporterOptions {
  color: boolean;
  /** The live region's packages, when the stream is a terminal: without them, plain lines. */
  terminal?: typeof LiveTerminal;
  quiet: boolean;
  verbose: boolean;
  /** Where to write (default stderr). */
  stream?: NodeJS.WriteStream;
  /** A pipe's `progress:` line comes this often (default 30 s). */
  progressEveryMs?: number;
  /** The clock progress is measured with (default performance.now). */
  clock?: () => number;
}

/** Paints text when the output takes colour. */
type Paint = ReturnType<typeof painter>;

/** `14:03:07`, local time, as dbt stamps its lines. */
function timeOfDay(): string {
  const d = new Date();
  return [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

/** `progress: 40% (1,320/3,289 windows), 12.4 s, ETA 2m 05s`: a pipe's periodic line. */
export function progressLine(progress: RunProgress, now: number): string {
  const s = progress.snapshot(now);
  const percent = s.total > 0 ? Math.floor((s.done / s.total) * 100) : 100;
  const eta = s.etaMs === undefined ? 'ETA estimating' : `ETA ${formatDuration(s.etaMs)}`;
  const failed = s.failed > 0 ? `, ${formatCount(s.failed)} failed` : '';
  return `progress: ${percent}% (${formatCount(s.done)}/${formatCount(s.total)} ${s.unit}), ${formatDuration(s.elapsedMs)} elapsed, ${eta}${failed}`;
}

/** A bar of `width` characters, `done` of `total` filled. */
function bar(done: number, total: number, width: number, paint: Paint): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : width;
  return `${paint('green', '#'.repeat(filled))}${paint('dim', '-'.repeat(width - filled))}`;
}

/**
 * The live region: a line per model under way (started, not finished), at most as many as
 * the terminal has rows for, then the total line; every line cut to the terminal's width
 * (one column spare, so that no terminal wraps it).
 */
export function liveRegion(
  progress: RunProgress,
  now: number,
  paint: Paint,
  stream: { readonly columns?: number; readonly rows?: number },
  truncate: (line: string, columns: number) => string = (line) => line,
): string[] {
  const columns = Math.max(20, (stream.columns ?? 80) - 1);
  const room = Math.max(1, (stream.rows ?? 24) - 4);
  const s = progress.snapshot(now);
  const active = [...progress.models.values()].filter(
    (m) => m.firstStarted !== undefined && m.lastFinished === undefined,
  );
  const narrow = columns < 70;
  const nameWidth = Math.min(Math.max(...active.map((m) => m.name.length), 5), narrow ? 16 : 28);
  const lines: string[] = [];
  for (const m of active.slice(0, active.length > room ? room - 1 : room)) {
    const name = m.name.length > nameWidth ? `${m.name.slice(0, nameWidth - 1)}…` : m.name;
    const counts = `${formatCount(m.done)}/${formatCount(m.total)}`;
    const elapsed = formatDuration(now - (m.firstStarted ?? now));
    const failed = m.failed > 0 ? `  ${paint('red', `${m.failed} failed`)}` : '';
    lines.push(
      `  ${name.padEnd(nameWidth)} ${bar(m.done, m.total, narrow ? 8 : 20, paint)} ${counts}  ${paint('dim', elapsed)}${failed}`,
    );
  }
  if (active.length > room) lines.push(paint('dim', `  … and ${active.length - (room - 1)} more`));
  const eta =
    s.etaMs === undefined
      ? paint('dim', 'estimating')
      : s.done >= s.total
        ? ''
        : `ETA ${formatDuration(s.etaMs)}`;
  const parts = [
    `${bar(s.done, s.total, narrow ? 10 : 24, paint)} ${formatCount(s.done)}/${formatCount(s.total)} ${s.unit}`,
    eta,
    s.failed > 0 ? paint('red', `${formatCount(s.failed)} failed`) : '',
    s.notRun > 0 ? paint('yellow', `${formatCount(s.notRun)} not run`) : '',
    // Last: what a narrow terminal cuts off first.
    s.rowsPerSecond > 0 ? `${formatCount(Math.round(s.rowsPerSecond))} rows/s` : '',
  ].filter((p) => p !== '');
  lines.push(parts.join('  '));
  return lines.map((l) => truncate(l, columns));
}

/**
 * The table at the end of a run: per model, windows built (or found current) of planned, rows, busy time (summed
 * over threads) and failures; models in the order they started.
 */
export function summaryTable(progress: RunProgress, paint: Paint, columns = 120): string[] {
  const models = [...progress.models.values()].filter((m) => m.total > 0 || m.done > 0);
  if (models.length === 0) return [];
  // A plan with no windows (seeds, views, tables) counts steps.
  const { unit } = progress.snapshot(performance.now());
  const table = (withKind: boolean, nameWidth: number) => {
    const cut = (name: string) =>
      name.length > nameWidth ? `${name.slice(0, nameWidth - 1)}…` : name;
    const rows = models.map((m) => [
      cut(m.name),
      ...(withKind ? [m.kind] : []),
      `${formatCount(m.built)}/${formatCount(m.total)}`,
      formatCount(m.rows),
      formatDuration(m.busyMs),
      m.failed > 0 ? formatCount(m.failed) : '',
    ]);
    const head = ['model', ...(withKind ? ['kind'] : []), unit, 'rows', 'time', 'failed'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const format = (cells: readonly string[]): string =>
      `  ${cells
        .map((c, i) =>
          i >= head.length - 4 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0),
        )
        .join('  ')
        .trimEnd()}`;
    const width = 2 + widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
    const lines = [
      paint('dim', format(head)),
      ...rows.map((r) => (r.at(-1) !== '' ? paint('red', format(r)) : format(r))),
    ];
    return { lines, width };
  };
  // A narrow terminal loses the kind column, then the long names' ends: never a wrapped row.
  const longest = Math.max(...models.map((m) => m.name.length));
  const full = table(true, longest);
  if (full.width < columns) return full.lines;
  const lean = table(false, longest);
  if (lean.width < columns) return lean.lines;
  return table(false, Math.max(8, longest - (lean.width - columns + 1))).lines;
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
  counter: string,
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
    lines.push(`${counter}${line(result, paint, options.verbose).trimStart()}`);
  for (const t of result.tests ?? []) {
    if (t.status === 'warn')
      lines.push(`  ${paint('yellow', 'WARN')} ${t.name}: ${t.message ?? ''}`);
    else if (options.verbose) lines.push(paint('dim', `       test ${t.name}: ${t.status}`));
  }
  if (result.status === 'failed' && result.error?.hint)
    lines.push(`       ${paint('cyan', 'help')}: ${result.error.hint}`);
  return lines;
}

/** The line of steps written together (adaptive batching), and their tests' warnings. */
function batchLines(
  batch: StepBatch,
  paint: Paint,
  options: ReporterOptions,
  live: boolean,
  counter: string,
): string[] {
  const last = batch.results.at(-1)!;
  const rows = batch.results.reduce((sum, r) => sum + r.rows, 0);
  const windows = batch.results.reduce((sum, r) => sum + r.step.windows.length, 0);
  const result: StepResult = {
    ...last,
    step: { ...last.step, id: batch.id, windows: batch.results.flatMap((r) => r.step.windows) },
    rows,
    durationMs: batch.durationMs,
  };
  const lines = stepLines(result, paint, options, live, counter);
  if (lines[0] !== undefined && lines[0].startsWith('['))
    lines[0] = lines[0].replace(
      `${result.step.kind}, `,
      `${result.step.kind}, ${formatCount(windows)} windows, `,
    );
  return lines;
}

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
