import { buildProject } from '../../core/api/build.js';
import type { RunSummary } from '../../core/execute/run-summary.js';
import { consoleReporter, firstLine } from '../console-reporter.js';
import { parseDateFlag, projectOptions, type GlobalFlags } from '../global-options.js';
import { formatCount, formatDuration, painter, useColor } from '../output.js';
import { silentReporter } from '../../core/report/reporter.js';
import { formatDay } from '../../core/plan/window.js';

interface BuildFlags extends GlobalFlags {
  date?: string;
  select?: string[];
  exclude?: string[];
  fullRefresh?: boolean;
}

/** `etl build [--date D] [-s SEL] [--full-refresh]` */
export async function buildCommand(flags: BuildFlags): Promise<number> {
  const color = useColor(process.stderr);
  const date = parseDateFlag(flags.date, '--date');
  const reporter = flags.json
    ? silentReporter
    : consoleReporter({ color, quiet: flags.quiet === true, verbose: flags.verbose === true });
  const { summary } = await buildProject({
    ...projectOptions(flags),
    ...(date === undefined ? {} : { date }),
    select: flags.select ?? [],
    exclude: flags.exclude ?? [],
    fullRefresh: flags.fullRefresh === true,
    reporter,
    onPlan: (p, day) => {
      if (!flags.json && !flags.quiet)
        process.stderr.write(`etl build ${formatDay(day)}: ${p.steps.length} steps\n`);
    },
  });
  if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else if (!flags.quiet || summary.status !== 'success')
    process.stderr.write(`${summaryLine(summary, color)}\n`);
  return summary.status === 'success' ? 0 : 1;
}

/** The closing line of build/backfill/run. */
export function summaryLine(summary: RunSummary, color: boolean): string {
  const paint = painter(color);
  const p = summary.partitions;
  const models = summary.models.filter((m) => m.built > 0).length;
  const parts = [
    `${models} model${models === 1 ? '' : 's'}`,
    `${formatCount(p.built)} window${p.built === 1 ? '' : 's'} built`,
  ];
  if (p.failed > 0) parts.push(paint('red', `${p.failed} failed`));
  if (p.upstream_failed > 0) parts.push(paint('yellow', `${p.upstream_failed} upstream_failed`));
  const failedModels = summary.failures.length;
  const head =
    summary.status === 'success'
      ? paint('green', 'Done')
      : paint('red', `Failed (${failedModels} failure${failedModels === 1 ? '' : 's'})`);
  const lines = [
    `${head}: ${parts.join(', ')} in ${formatDuration(summary.duration_ms)} (run ${summary.run_id})`,
  ];
  for (const f of summary.failures)
    lines.push(
      `  ${paint('red', 'x')} ${f.model}${f.window ? ` ${f.window}` : ''}: ${firstLine(f.error)}`,
    );
  return lines.join('\n');
}
