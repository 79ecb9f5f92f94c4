import { backfillProject, buildProject, catchUpProject } from '../../core/api/build.js';
import type { RunSummary } from '../../core/execute/run-summary.js';
import type { Plan } from '../../core/plan/plan.js';
import { UsageError } from '../../core/errors.js';
import { firstLine } from '../console-reporter.js';
import { intFlag, parseDateFlag } from '../global-options.js';
import { formatCount, formatDuration, painter, useColor } from '../output.js';
import { runOptions, type RunFlags } from '../run-flags.js';

interface BuildFlags extends RunFlags {
  date?: string;
  from?: string;
  to?: string;
  until?: string;
  force?: boolean;
}

/** `etl build [--date D] [-s SEL] [--full-refresh]` */
export async function buildCommand(flags: BuildFlags): Promise<number> {
  const date = parseDateFlag(flags.date, '--date');
  const options = await runOptions(flags);
  const { summary } = await buildProject({
    ...options,
    ...(date === undefined ? {} : { date }),
    onPlan: announce(flags, 'build'),
  });
  return finish(flags, summary);
}

/** `etl backfill --from A --to B [--threads N] [--batch-size N] [--force] [--retries N]` */
export async function backfillCommand(flags: BuildFlags): Promise<number> {
  const from = parseDateFlag(flags.from, '--from');
  const to = parseDateFlag(flags.to, '--to');
  if (from === undefined || to === undefined)
    throw new UsageError('backfill needs --from and --to', from === undefined ? '--from' : '--to');
  const batchSize = intFlag(flags.batchSize, '--batch-size', 1, 100_000);
  const { summary } = await backfillProject({
    ...(await runOptions(flags)),
    from,
    to,
    force: flags.force === true,
    ...(batchSize === undefined ? {} : { batchSize }),
    onPlan: announce(flags, 'backfill'),
  });
  return finish(flags, summary);
}

/** `etl run [--until D]`: catch every incremental model up to the last closed window. */
export async function runCatchUpCommand(flags: BuildFlags): Promise<number> {
  const until = parseDateFlag(flags.until, '--until');
  const batchSize = intFlag(flags.batchSize, '--batch-size', 1, 100_000);
  const { summary } = await catchUpProject({
    ...(await runOptions(flags)),
    ...(until === undefined ? {} : { until }),
    ...(batchSize === undefined ? {} : { batchSize }),
    onPlan: announce(flags, 'run'),
  });
  return finish(flags, summary);
}

function announce(flags: BuildFlags, command: string): (plan: Plan) => void {
  return (plan) => {
    if (flags.json || flags.quiet) return;
    const count = (conditional: boolean) =>
      plan.steps.reduce((n, s) => n + (s.conditional === conditional ? s.windows.length : 0), 0);
    const windows = count(false);
    // Done windows whose upstream this run rebuilds: rewritten only if their inputs change.
    const check = count(true);
    const skipped = plan.windows.reduce((n, w) => n + w.done, 0);
    process.stderr.write(
      `etl ${command}: ${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}, ${formatCount(windows)} window${windows === 1 ? '' : 's'} to write${check > 0 ? `, ${formatCount(check)} to check after their upstream` : ''}${skipped > 0 ? `, ${formatCount(skipped)} already done` : ''}\n`,
    );
  };
}

function finish(flags: BuildFlags, summary: RunSummary): number {
  if (flags.json) process.stdout.write(`${JSON.stringify({ schema_version: 1, ...summary })}\n`);
  else if (!flags.quiet || summary.status !== 'success')
    process.stderr.write(`${summaryLine(summary, useColor(process.stderr))}\n`);
  if (summary.status === 'interrupted') {
    const p = summary.partitions;
    const total = p.built + p.failed + p.upstream_failed + p.not_run;
    process.stderr.write(
      `interrupted: ${formatCount(p.built)} of ${formatCount(total)} windows done; rerun the same command to resume\n`,
    );
    return 130;
  }
  return summary.status === 'success' ? 0 : 1;
}

/** The closing lines of build/backfill/run. */
export function summaryLine(summary: RunSummary, color: boolean): string {
  const paint = painter(color);
  const p = summary.partitions;
  const models = summary.models.filter((m) => m.built > 0).length;
  const parts = [
    `${models} model${models === 1 ? '' : 's'}`,
    `${formatCount(p.built)} window${p.built === 1 ? '' : 's'} built`,
  ];
  if (p.skipped > 0) parts.push(`${formatCount(p.skipped)} already done`);
  if (p.failed > 0) parts.push(paint('red', `${p.failed} failed`));
  if (p.upstream_failed > 0)
    parts.push(paint('yellow', `${formatCount(p.upstream_failed)} upstream_failed`));
  if (p.not_run > 0) parts.push(paint('yellow', `${formatCount(p.not_run)} not run`));
  const count = summary.failures.length;
  const head =
    summary.status === 'success'
      ? paint('green', 'Done')
      : summary.status === 'interrupted'
        ? paint('yellow', 'Interrupted')
        : paint('red', `Failed (${count} failure${count === 1 ? '' : 's'})`);
  const lines = [
    `${head}: ${parts.join(', ')} in ${formatDuration(summary.duration_ms)} (run ${summary.run_id})`,
  ];
  for (const f of summary.failures)
    lines.push(
      `  ${paint('red', 'x')} ${f.model}${f.window ? ` ${f.window}` : ''}: ${firstLine(f.error)}`,
    );
  return lines.join('\n');
}
