import { spawnSync } from 'node:child_process';

/** The median of some numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds `work` takes. */
export async function time(work: () => unknown): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** Run a node script in a child process; it prints one JSON line, which is returned. */
export function child<T>(args: readonly string[], env: Record<string, string> = {}): T {
  const result = spawnSync(process.execPath, ['--max-old-space-size=4096', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, ...env },
  });
  if (result.status !== 0) throw new Error(`child ${args.join(' ')} failed: ${result.stderr}`);
  const line = result.stdout.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line) as T;
}

/** Milliseconds of one run of a command, as a child process. */
export function commandMs(command: string, args: readonly string[], cwd?: string): number {
  const started = performance.now();
  const result = spawnSync(command, args, {
    stdio: 'ignore',
    ...(cwd === undefined ? {} : { cwd }),
  });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
  return performance.now() - started;
}
