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

/**
 * The environment the bench runs its processes in: this one without NODE_EXTRA_CA_CERTS. With
 * it set, Node 20 builds its store of root certificates (its own ~140 and the file's) as it
 * starts, before any script runs (nodejs/node#40524): here 50-70 ms of CPU for every process,
 * etl's and its floors' alike. No case makes a TLS connection. The machines here set it for
 * their network; most users' do not. Target 3 also reports a run with it.
 */
export function benchEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('NODE_EXTRA_CA_CERTS' in extra)) delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** Run a node script in a child process; it prints one JSON line, which is returned. */
export function child<T>(args: readonly string[], env: Record<string, string> = {}): T {
  const result = spawnSync(process.execPath, ['--max-old-space-size=4096', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: benchEnv(env),
  });
  if (result.status !== 0) throw new Error(`child ${args.join(' ')} failed: ${result.stderr}`);
  const line = result.stdout.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line) as T;
}

/** Milliseconds of one run of a command, as a child process ({@link benchEnv} and `env`). */
export function commandMs(
  command: string,
  args: readonly string[],
  cwd?: string,
  env: Record<string, string> = {},
): number {
  const started = performance.now();
  const result = spawnSync(command, args, {
    stdio: 'ignore',
    env: benchEnv(env),
    ...(cwd === undefined ? {} : { cwd }),
  });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
  return performance.now() - started;
}
