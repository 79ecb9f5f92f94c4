import { buildProject } from '../../core/api/build.js';
import { formatDuration } from '../output.js';
import { runOptions, type RunFlags } from '../run-flags.js';

interface SeedFlags extends RunFlags {
  force?: boolean;
}

/** `etl seed [-s SEL] [--force]`: load seeds whose file changed or whose table is missing. */
export async function seedCommand(flags: SeedFlags): Promise<number> {
  const { plan, summary } = await buildProject({
    ...runOptions(flags),
    seedsOnly: { force: flags.force === true },
  });
  if (flags.json) process.stdout.write(`${JSON.stringify({ schema_version: 1, ...summary })}\n`);
  else if (!flags.quiet) {
    const loaded = plan.steps.length;
    process.stderr.write(
      `Loaded ${loaded} seed${loaded === 1 ? '' : 's'}, ${plan.skipped.length} unchanged, in ${formatDuration(summary.duration_ms)}\n`,
    );
  }
  return summary.status === 'success' ? 0 : summary.status === 'interrupted' ? 130 : 1;
}
