import { testProject } from '../../core/api/test.js';
import { UsageError } from '../../core/errors.js';
import type { TestResult } from '../../core/testing/test-result.js';
import { parseDateFlag, projectOptions, type GlobalFlags } from '../global-options.js';
import { formatDuration, painter, useColor } from '../output.js';

interface TestFlags extends GlobalFlags {
  select?: string[];
  exclude?: string[];
  date?: string;
  from?: string;
  to?: string;
  warehouse?: boolean;
}

/** `etl test [-s SEL] [--date D] [--warehouse]` */
export async function testCommand(flags: TestFlags): Promise<number> {
  const date = parseDateFlag(flags.date, '--date');
  const from = parseDateFlag(flags.from, '--from');
  const to = parseDateFlag(flags.to, '--to');
  if (date !== undefined && (from !== undefined || to !== undefined))
    throw new UsageError('--date builds one day: give it, or --from/--to, not both', '--date');
  if (from !== undefined && to !== undefined && from > to)
    throw new UsageError(`--from ${flags.from} is after --to ${flags.to}`, '--from');
  const paint = painter(useColor(process.stdout));
  const print = (r: TestResult): void => {
    if (flags.json) return;
    const label = {
      pass: paint('green', 'PASS '),
      fail: paint('red', 'FAIL '),
      warn: paint('yellow', 'WARN '),
      error: paint('red', 'ERROR'),
    }[r.status];
    if (r.status === 'pass' && flags.quiet) return;
    const kind = r.type === 'unit' ? 'unit ' : r.type === 'singular' ? 'sql  ' : 'data ';
    process.stdout.write(
      `${label} ${paint('dim', kind)} ${r.name}  ${paint('dim', formatDuration(r.durationMs))}\n`,
    );
    if (r.message && r.status !== 'pass')
      process.stdout.write(
        `${r.message
          .split('\n')
          .map((l) => `        ${l}`)
          .join('\n')}\n`,
      );
  };
  const summary = await testProject({
    ...projectOptions(flags),
    select: flags.select ?? [],
    exclude: flags.exclude ?? [],
    ...(date === undefined ? {} : { date }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    warehouse: flags.warehouse === true,
    onResult: print,
  });
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({
        schema_version: 1,
        status: summary.failed === 0 ? 'success' : 'failed',
        passed: summary.passed,
        failed: summary.failed,
        warned: summary.warned,
        tests: summary.results.map((r) => ({
          name: r.name,
          type: r.type,
          model: r.model ?? null,
          status: r.status,
          failures: r.failures,
          message: r.message ?? null,
        })),
      })}\n`,
    );
  } else {
    const warn = summary.warned > 0 ? `, ${summary.warned} warned` : '';
    process.stdout.write(`\n${summary.passed} passed, ${summary.failed} failed${warn}\n`);
  }
  return summary.failed === 0 ? 0 : 1;
}
