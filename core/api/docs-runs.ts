import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocsGantt, DocsNode } from '../docs/docs-site.js';

/**
 * What the site shows of the run results kept in `.etl/runs/` (see artifacts.ts): each test's
 * last result and the timeline of the last backfill. A file that is not a run's results (cut
 * short, hand-edited, of another tool) is passed over, as is any step in it that is not one.
 */

/** One step of a kept run, as the site reads it. */
interface KeptStep {
  readonly step: string;
  readonly model: string;
  readonly status: string;
  readonly windows: number;
  readonly rows: number;
  readonly durationMs: number;
  /** Epoch ms, or undefined for a step not run (or kept by a version that did not time it). */
  readonly startedAt: number | undefined;
  readonly thread: number | undefined;
  readonly tests: readonly {
    readonly name: string;
    readonly status: string;
    readonly failures: number;
  }[];
}

/** A kept run's results (`.etl/runs/<run_id>.json`), as the site reads them. */
interface KeptRun {
  readonly runId: string;
  readonly command: string;
  readonly status: string;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly steps: readonly KeptStep[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The kept runs' results, newest first. */
export function readRecentResults(dir: string): KeptRun[] {
  if (!existsSync(dir)) return [];
  const out: KeptRun[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => /^[^.].*\.json$/.test(f))
    .sort()
    .reverse()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch {
      continue; // Being written, or not JSON.
    }
    const run = keptRun(parsed);
    if (run !== undefined) out.push(run);
  }
  return out;
}

/** A run's results as kept, or undefined when the value is not one. */
function keptRun(value: unknown): KeptRun | undefined {
  if (!isObject(value) || !Array.isArray(value.results)) return undefined;
  const runId = text(value.run_id);
  const startedAt = Date.parse(text(value.started_at) ?? '');
  if (runId === undefined || Number.isNaN(startedAt)) return undefined;
  return {
    runId,
    command: text(value.command) ?? '',
    status: text(value.status) ?? '',
    startedAt,
    durationMs: count(value.duration_ms),
    steps: value.results.flatMap((r: unknown) => {
      if (!isObject(r) || text(r.step) === undefined || text(r.model) === undefined) return [];
      const started = Date.parse(text(r.started_at) ?? '');
      const thread = r.thread;
      return [
        {
          step: text(r.step) ?? '',
          model: text(r.model) ?? '',
          status: text(r.status) ?? '',
          windows: count(r.windows),
          rows: count(r.rows),
          durationMs: count(r.duration_ms),
          startedAt: Number.isNaN(started) ? undefined : started,
          thread:
            typeof thread === 'number' && Number.isInteger(thread) && thread >= 1
              ? thread
              : undefined,
          tests: (Array.isArray(r.tests) ? r.tests : []).flatMap((t: unknown) =>
            isObject(t) && text(t.name) !== undefined
              ? [
                  {
                    name: text(t.name) ?? '',
                    status: text(t.status) ?? '',
                    failures: count(t.failures),
                  },
                ]
              : [],
          ),
        },
      ];
    }),
  };
}

/** Each test's newest result among the kept runs. */
export function lastTestResults(
  recent: readonly KeptRun[],
): Map<string, NonNullable<DocsNode['tests'][number]['last']>> {
  const out = new Map<string, NonNullable<DocsNode['tests'][number]['last']>>();
  for (const run of recent)
    for (const step of run.steps)
      for (const t of step.tests)
        if (!out.has(t.name))
          out.set(t.name, { status: t.status, failures: t.failures, run_id: run.runId });
  return out;
}

/**
 * The timeline of the newest backfill that wrote windows among the kept runs (a backfill with
 * nothing left to do shows nothing worth a chart), else of the newest run with timed steps:
 * each step that ran, on its thread, from its start.
 */
export function ganttOf(recent: readonly KeptRun[]): DocsGantt | null {
  const timed = (r: KeptRun): KeptStep[] =>
    r.steps.filter((s) => s.startedAt !== undefined && s.thread !== undefined);
  const wrote = (r: KeptRun): boolean =>
    timed(r).some((s) => s.windows > 0 && s.status === 'success');
  const run =
    recent.find((r) => r.command === 'backfill' && wrote(r)) ??
    recent.find((r) => timed(r).length > 0);
  if (run === undefined) return null;
  const steps = timed(run).map((s) => ({
    step: s.step,
    model: s.model,
    status: s.status,
    thread: s.thread ?? 1,
    start: Math.max(0, (s.startedAt ?? run.startedAt) - run.startedAt),
    duration: s.durationMs,
    rows: s.rows,
    windows: s.windows,
  }));
  return {
    run_id: run.runId,
    command: run.command,
    status: run.status,
    started_at: new Date(run.startedAt).toISOString(),
    duration_ms: run.durationMs,
    threads: steps.reduce((m, s) => Math.max(m, s.thread), 1),
    steps,
  };
}
