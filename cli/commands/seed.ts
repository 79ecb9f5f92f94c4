import { buildProject } from '../../core/api/build.js';
import { formatDuration } from '../output.js';
import { runOptions, type RunFlags } from '../run-flags.js';

interface SeedFlags extends RunFlags {
  force?: boolean;
}

/** `etl seed [-s SEL] [--force]`: load seeds whose file changed or whose table is missing. */
export async function seedCommand(flags: SeedFlags): Promise<number> {
  const { plan, summary } = await buildProject({
    ...(await runOptions(flags)),
    seedsOnly: { force: flags.force === true },
  });
  if (flags.json) process.stdout.write(`${JSON.stringify({ schema_version: 1, ...summary })}\n`);
  else if (!flags.quiet) {
    // Seeds counted as loaded are those the run loaded: an interrupt may have kept them all.
    const loaded = summary.models.reduce((n, m) => n + m.built, 0);
    const notRun = summary.models.reduce((n, m) => n + m.not_run, 0);
    process.stderr.write(
      `${summary.status === 'interrupted' ? 'Interrupted: l' : 'L'}oaded ${loaded} seed${loaded === 1 ? '' : 's'}, ${plan.skipped.length} unchanged${notRun > 0 ? `, ${notRun} not loaded` : ''}, in ${formatDuration(summary.duration_ms)}\n`,
    );
  }
  return summary.status === 'success' ? 0 : summary.status === 'interrupted' ? 130 : 1;
}
