import { buildProject } from '../../core/api/build.js';
import { silentReporter } from '../../core/report/reporter.js';
import { consoleReporter } from '../console-reporter.js';
import { projectOptions, type GlobalFlags } from '../global-options.js';
import { formatDuration, useColor } from '../output.js';

interface SeedFlags extends GlobalFlags {
  select?: string[];
  exclude?: string[];
  force?: boolean;
}

/** `etl seed [-s SEL] [--force]`: load seeds whose file changed or whose table is missing. */
export async function seedCommand(flags: SeedFlags): Promise<number> {
  const reporter = flags.json
    ? silentReporter
    : consoleReporter({
        color: useColor(process.stderr),
        quiet: flags.quiet === true,
        verbose: flags.verbose === true,
      });
  const { plan, summary } = await buildProject({
    ...projectOptions(flags),
    select: flags.select ?? [],
    exclude: flags.exclude ?? [],
    seedsOnly: { force: flags.force === true },
    reporter,
  });
  if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else if (!flags.quiet) {
    const loaded = plan.steps.length;
    process.stderr.write(
      `Loaded ${loaded} seed${loaded === 1 ? '' : 's'}, ${plan.skipped.length} unchanged, in ${formatDuration(summary.duration_ms)}\n`,
    );
  }
  return summary.status === 'success' ? 0 : 1;
}
