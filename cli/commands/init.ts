import { initProject } from '../../core/api/init.js';
import type { GlobalFlags } from '../global-options.js';

/** `etl init [DIR]`: scaffold a starter project. */
export async function initCommand(flags: GlobalFlags & { dir?: string }): Promise<number> {
  const dir = flags.dir ?? flags.projectDir ?? flags.project ?? '.';
  const written = await initProject(dir);
  if (flags.json)
    process.stdout.write(
      `${JSON.stringify({ schema_version: 1, status: 'success', files: written })}\n`,
    );
  else if (!flags.quiet) {
    process.stderr.write(
      `Wrote a starter project in ${dir}:\n${written.map((f) => `  ${f}`).join('\n')}\n`,
    );
    const cd = dir === '.' ? '' : `cd ${dir} && `;
    process.stderr.write(`Next: ${cd}etl build --date 2024-01-02 && etl test\n`);
  }
  return 0;
}
