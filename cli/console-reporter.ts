import type { Reporter } from '../core/report/reporter.js';
import type { StepResult } from '../core/execute/run-summary.js';
import { formatCount, formatDuration, painter } from './output.js';

/** Prints one line per finished step to stderr. */
export function consoleReporter(options: {
  color: boolean;
  quiet: boolean;
  verbose: boolean;
}): Reporter {
  const paint = painter(options.color);
  const write = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  return {
    stepStarted: (step) => {
      if (options.verbose) write(paint('dim', `  .. ${step.id} (${step.kind}, ${step.reason})`));
    },
    stepFinished: (result: StepResult) => {
      if (options.quiet && result.status === 'success') return;
      const { step } = result;
      const what = step.id.replace('@', '  ');
      if (result.status === 'success') {
        const rows =
          step.kind === 'view'
            ? 'view'
            : `${formatCount(result.rows)} row${result.rows === 1 ? '' : 's'}`;
        write(
          `  ${paint('green', 'OK  ')} ${what}  ${paint('dim', `${step.kind}, ${rows}, ${formatDuration(result.durationMs)}`)}`,
        );
      } else if (result.status === 'failed') {
        const message = result.error?.message ?? '';
        write(
          `  ${paint('red', 'FAIL')} ${what}  ${options.verbose ? message : firstLine(message)}`,
        );
        if (result.error?.hint) write(`       ${paint('cyan', 'help')}: ${result.error.hint}`);
      } else {
        write(
          `  ${paint('yellow', 'SKIP')} ${what}  ${paint('dim', result.error?.message ?? 'upstream failed')}`,
        );
      }
    },
    info: (message) => {
      if (!options.quiet) write(message);
    },
  };
}

/** The first line of a message (engine errors append the SQL with a caret). */
export function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
