import { UsageError } from '../core/errors.js';
import type { RunOptions } from '../core/api/run-command.js';
import { silentReporter } from '../core/execute/reporter.js';
import { projectOptions, type GlobalFlags } from './global-options.js';
import { consoleReporter } from './console-reporter.js';
import { intFlag } from './global-options.js';
import { useColor, useCursor } from './output.js';
import { windowLabel } from '../core/time/window.js';

/** Flags of the commands that write: build, backfill, run, seed. */
export interface RunFlags extends GlobalFlags {
  select?: string[];
  exclude?: string[];
  fullRefresh?: boolean;
  forwardOnly?: boolean;
  threads?: string;
  retries?: string;
  batchSize?: string;
  failFast?: boolean;
  wait?: string | boolean;
  /** false with --no-test */
  test?: boolean;
}

/**
 * The signal Ctrl-C (SIGINT) and SIGTERM abort. The first stops the run from starting new
 * steps; running ones commit or roll back whole, and the run ends `interrupted`. The second
 * exits at once, which is still safe: a window's ledger row commits with its data or not.
 */
export function interruptSignal(
  quiet: boolean,
  say: (line: string) => void = (line) => process.stderr.write(`\n${line}\n`),
): AbortSignal {
  const controller = new AbortController();
  const stop = (name: string): void => {
    if (controller.signal.aborted) {
      say(
        `${name} again: exiting now. Each window is written whole or not at all: rerun the same command to resume`,
      );
      process.exit(130);
    }
    controller.abort();
    if (!quiet)
      say(
        `${name}: stopping; no new window starts, running ones finish (press Ctrl-C again to exit at once)`,
      );
  };
  process.on('SIGINT', () => stop('Ctrl-C'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return controller.signal;
}

/**
 * Library options from the flags, with a console or silent reporter. The packages that draw
 * the live region are loaded only for a terminal: on a pipe (cron, CI) they would draw
 * nothing and cost some 25 ms of start-up.
 */
export async function runOptions(flags: RunFlags): Promise<RunOptions> {
  const threads = intFlag(flags.threads, '--threads', 1, 64);
  const retries = intFlag(flags.retries, '--retries', 0, 20);
  const wait =
    flags.wait === undefined || flags.wait === false
      ? undefined
      : flags.wait === true
        ? 3_600_000
        : (intFlag(flags.wait, '--wait', 0, 86_400) ?? 0) * 1000;
  // --json keeps its progress on stderr (stdout is the JSON); --quiet silences it.
  const live = flags.quiet !== true && process.stderr.isTTY === true && useCursor(process.stderr);
  const reporter =
    flags.json && flags.quiet
      ? silentReporter
      : consoleReporter({
          color: useColor(process.stderr),
          ...(live ? { terminal: await import('./live-terminal.js') } : {}),
          quiet: flags.quiet === true,
          verbose: flags.verbose === true,
          ...progressEvery(),
        });
  return {
    ...projectOptions(flags),
    select: flags.select ?? [],
    exclude: flags.exclude ?? [],
    fullRefresh: flags.fullRefresh === true,
    forwardOnly: flags.forwardOnly === true,
    reporter,
    ...(threads === undefined ? {} : { threads }),
    ...(retries === undefined ? {} : { retries }),
    ...(wait === undefined ? {} : { waitMs: wait }),
    failFast: flags.failFast === true,
    // Said through the reporter, which clears its live region first.
    signal: interruptSignal(flags.quiet === true, (line) => reporter.info(line)),
    runTests: flags.test !== false,
    onNotice: (message) => {
      if (!flags.quiet) process.stderr.write(`note: ${message}\n`);
    },
    onDrift: (drift) => {
      if (flags.quiet) return;
      for (const d of drift)
        process.stderr.write(
          `warning: the ledger says ${d.model} ${windowLabel(d.window)} has ${d.recorded} rows but its table has ${d.actual}: it was changed outside etl; the window will be rebuilt\n`,
        );
    },
  };
}

/**
 * How often a pipe gets a `progress:` line: `ETL_PROGRESS_SECONDS` (default 30; CI systems
 * that end a job after some minutes of silence want it shorter).
 */
function progressEvery(): { progressEveryMs?: number } {
  const value = process.env.ETL_PROGRESS_SECONDS;
  if (value === undefined || value === '') return {};
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError(
      `invalid ETL_PROGRESS_SECONDS '${value}': expected a number of seconds above 0`,
      'ETL_PROGRESS_SECONDS',
    );
  return { progressEveryMs: seconds * 1000 };
}
