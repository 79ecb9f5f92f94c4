import { spawnSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The built CLI (npm test builds before vitest runs). */
export const BIN = fileURLToPath(new URL('../../dist/cli/etl.cjs', import.meta.url));

/** Result of one CLI run. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `etl ...args` in `cwd` to completion. */
export function runCli(
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ETL_TARGET: '', ...env },
    timeout: 120_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Start a node script in the background (for lock tests). */
export function spawnNode(args: readonly string[], cwd: string): ChildProcess {
  return spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Run `etl ...args` without blocking the event loop (timers keep firing meanwhile). */
export async function runCliAsync(args: readonly string[], cwd: string): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ETL_TARGET: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code: code ?? -1, stdout, stderr };
}
