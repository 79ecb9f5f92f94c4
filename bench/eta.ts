/**
 * node dist/bench/eta.js [--from 2024-01-01] [--to 2024-03-31] [--threads N]
 *
 * How good the progress display's ETA is: backfills a copy of the example project with the
 * same estimator the terminal shows (cli/run-progress.ts) sampled every 250 ms, and, once the
 * run is over, compares each estimate with the time that was actually left. Prints the error
 * at 10%, 20%, ... of the run's duration (the issue's bar: within 25% after the first 10%).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backfillProject } from '../core/api/build.js';
import { parseDay } from '../core/time/dates.js';
import type { Reporter } from '../core/execute/reporter.js';
import { RunProgress } from '../cli/run-progress.js';

const args = process.argv.slice(2);
const value = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const repo = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'etl-eta-'));
for (const entry of ['etl.yml', 'models', 'seeds'])
  cpSync(join(repo, entry), join(dir, entry), { recursive: true });

const samples: { at: number; eta: number | undefined; done: number; total: number }[] = [];
let progress: RunProgress | undefined;
let timer: NodeJS.Timeout | undefined;
const sample = (): void => {
  if (progress === undefined) return;
  const now = performance.now();
  const s = progress.snapshot(now);
  samples.push({ at: now, eta: s.etaMs, done: s.done, total: s.total });
  if (process.env.ETA_DEBUG)
    process.stderr.write(
      `${((now - start) / 1000).toFixed(1)}s eta=${((s.etaMs ?? 0) / 1000).toFixed(1)} ${[
        ...progress.models.values(),
      ]
        .filter((m) => m.done < m.total)
        .map(
          (m) => `${m.name}:${m.done}/${m.total}@${(m.unitMs ?? 0).toFixed(0)}r${m.running.size}`,
        )
        .join(' ')}\n`,
    );
};
const reporter: Reporter = {
  planned: (plan) => {
    progress = new RunProgress(plan, performance.now());
    timer = setInterval(sample, 250);
  },
  stepStarted: (step) => progress?.stepStarted(step, performance.now()),
  stepFinished: (result) => progress?.stepFinished(result, performance.now()),
  finished: () => clearInterval(timer),
  info: () => undefined,
};

const start = performance.now();
const { summary } = await backfillProject({
  project: dir,
  target: `duckdb:${join(dir, 'eta.duckdb')}`,
  from: parseDay(value('--from', '2024-01-01'))!,
  to: parseDay(value('--to', '2024-03-31'))!,
  threads: Number(value('--threads', '4')),
  reporter,
});
const end = performance.now();
rmSync(dir, { recursive: true, force: true });
const first = samples[0]?.at ?? start;
const duration = end - first;
process.stdout.write(
  `backfill ${summary.status}: ${summary.partitions.built} windows in ${(duration / 1000).toFixed(1)} s (after planning)\n`,
);
process.stdout.write('at      done    ETA       truth     error\n');
for (const pct of [5, 10, 20, 30, 50, 70, 90]) {
  const at = first + (duration * pct) / 100;
  const s = samples.find((x) => x.at >= at);
  if (s === undefined) continue;
  const truth = end - s.at;
  const eta = s.eta;
  const error = eta === undefined ? 'estimating' : `${(((eta - truth) / truth) * 100).toFixed(0)}%`;
  process.stdout.write(
    `${String(pct).padStart(3)}%  ${String(Math.round((s.done / s.total) * 100)).padStart(4)}%  ${eta === undefined ? '      -' : `${(eta / 1000).toFixed(1).padStart(6)} s`}  ${(truth / 1000).toFixed(1).padStart(6)} s  ${error.padStart(6)}\n`,
  );
}
