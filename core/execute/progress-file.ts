import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { Plan, Step } from '../plan/plan.js';
import type { Reporter, StepBatch } from './reporter.js';
import type { StepResult } from './run-summary.js';

/** The progress file of a project's latest writing command, in its folder. */
export const PROGRESS_FILE = '.etl/run.json';

/** How a run stands in its progress file. */
export type ProgressStatus = 'running' | 'success' | 'failed' | 'interrupted';

/** The warehouse a run writes, without secrets. */
export interface ProgressTarget {
  /** Its name in etl.yml's `targets`, or null for a bare URL. */
  readonly name: string | null;
  readonly kind: 'duckdb' | 'postgres';
  /** The URL, passwords and tokens replaced by `***`. */
  readonly url: string;
  /** A DuckDB file's absolute path (or what DuckDB opens), null for PostgreSQL. */
  readonly path: string | null;
}

/** A model of the run: its steps and windows, done so far. */
export interface ProgressModel {
  readonly name: string;
  readonly materialized: string;
  /** Windows of its incremental steps (0 for a view, table or seed). */
  windows_total: number;
  windows_done: number;
  steps_total: number;
  steps_done: number;
  /** Windows failed (steps, when unwindowed). */
  failed: number;
  rows: number;
  /** Labels of its steps running now (the window or batch, or the step's kind). */
  running: string[];
}

/**
 * A selected incremental model's windows in the run's range by state, as the ledger stood
 * when the run was planned.
 */
export interface SnapshotModel {
  readonly name: string;
  readonly materialized: string;
  readonly grain: string;
  /** The span of the run's windows of this model (ISO, `to` exclusive). */
  readonly range: { readonly from: string; readonly to: string };
  readonly counts: Readonly<
    Record<'done' | 'partial' | 'missing' | 'stale' | 'failed' | 'forward_only', number>
  >;
}

/** The ledger's last committed state a reader can use while the run holds the warehouse. */
export interface ProgressSnapshot {
  /** When it was read (ISO), before the run wrote anything. */
  readonly taken_at: string;
  readonly models: readonly SnapshotModel[];
}

/** `.etl/run.json`: what a writing command is doing, rewritten as it goes. */
export interface ProgressFileContent {
  readonly schema_version: 1;
  readonly run_id: string;
  readonly pid: number;
  readonly hostname: string;
  readonly command: string;
  readonly args: unknown;
  readonly target: ProgressTarget;
  readonly started_at: string;
  readonly updated_at: string;
  readonly finished_at: string | null;
  readonly status: ProgressStatus;
  readonly totals: {
    /** Windows of incremental steps in the plan, done (built or unchanged), failed. */
    readonly windows: number;
    readonly done: number;
    readonly failed: number;
    readonly rows: number;
    readonly steps: number;
    readonly steps_done: number;
    readonly steps_failed: number;
    /** Steps not run: their upstream failed, or the run was stopped. */
    readonly not_run: number;
  };
  readonly models: readonly ProgressModel[];
  /** Steps running now. */
  readonly running: readonly {
    readonly id: string;
    readonly model: string;
    readonly started_at: string;
    /** The try under way, when a transient error made it retry. */
    readonly attempt?: number;
  }[];
  readonly snapshot: ProgressSnapshot | null;
}

/** What the progress file says of the run itself. */
export interface ProgressRun {
  readonly runId: string;
  readonly command: string;
  readonly args: unknown;
  readonly target: ProgressTarget;
  /** Materializations by model (seeds are `seed`). */
  readonly materialized: (model: string) => string;
}

/** Options of {@link ProgressFileReporter}. */
export interface ProgressFileOptions {
  /** Absolute path of the file. */
  readonly path: string;
  readonly run: ProgressRun;
  readonly snapshot?: ProgressSnapshot | undefined;
  /** Told once when the file cannot be written; the run goes on. */
  readonly onNotice?: ((message: string) => void) | undefined;
  /** The least time between two writes (default 1 s). */
  readonly intervalMs?: number;
  /** Wall clock (epoch ms); default Date.now. */
  readonly now?: () => number;
}

/** Windowed steps count their windows; the rest count as steps only. */
const windowed = (step: Step): boolean => step.kind === 'incremental' || step.kind === 'upsert';

/** What a running step is called in its model's line. */
function stepLabel(step: Step): string {
  const at = step.id.indexOf('@');
  return at < 0 ? step.kind : step.id.slice(at + 1);
}

/**
 * A reporter that passes every event on to another and keeps `.etl/run.json` up to date: at
 * the plan, then at most once per `intervalMs` while steps start and finish, and with the
 * outcome at {@link close}. Each write is atomic (a file beside it, renamed over it); a write
 * that fails is told once through `onNotice` and never fails the run.
 */
export class ProgressFileReporter implements Reporter {
  private readonly inner: Reporter;
  private readonly options: ProgressFileOptions;
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly models = new Map<string, ProgressModel>();
  private readonly running = new Map<string, { step: Step; startedAt: number; attempt?: number }>();
  private readonly totals = {
    windows: 0,
    done: 0,
    failed: 0,
    rows: 0,
    steps: 0,
    steps_done: 0,
    steps_failed: 0,
    not_run: 0,
  };
  private status: ProgressStatus = 'running';
  private finishedAt: number | undefined;
  private lastWrite = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private told = false;
  private closed = false;

  constructor(inner: Reporter, options: ProgressFileOptions) {
    this.inner = inner;
    this.options = options;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  planned(plan: Plan): void {
    this.inner.planned?.(plan);
    this.guard(() => {
      for (const step of plan.steps) {
        const m = this.model(step.model);
        m.steps_total += 1;
        this.totals.steps += 1;
        if (windowed(step)) {
          m.windows_total += step.windows.length;
          this.totals.windows += step.windows.length;
        }
      }
      this.write();
    });
  }

  stepStarted(step: Step): void {
    this.inner.stepStarted(step);
    this.guard(() => {
      this.running.set(step.id, { step, startedAt: this.now() });
      this.touch();
    });
  }

  stepFinished(result: StepResult, batch?: StepBatch): void {
    if (batch === undefined) this.inner.stepFinished(result);
    else this.inner.stepFinished(result, batch);
    this.guard(() => {
      const { step } = result;
      this.running.delete(step.id);
      const m = this.model(step.model);
      const windows = windowed(step) ? step.windows.length : 0;
      if (result.status === 'success' || result.status === 'unchanged') {
        m.steps_done += 1;
        m.windows_done += windows;
        this.totals.steps_done += 1;
        this.totals.done += windows;
      } else if (result.status === 'failed') {
        m.failed += Math.max(1, windows);
        this.totals.failed += windows;
        this.totals.steps_failed += 1;
      } else this.totals.not_run += 1;
      m.rows += result.rows;
      this.totals.rows += result.rows;
      this.touch();
    });
  }

  retrying(step: Step, attempt: number, delayMs: number, message: string): void {
    this.inner.retrying?.(step, attempt, delayMs, message);
    this.guard(() => {
      const running = this.running.get(step.id);
      if (running !== undefined) running.attempt = attempt + 1;
      this.touch();
    });
  }

  info(message: string): void {
    this.inner.info(message);
  }

  finished(): void {
    this.inner.finished?.();
  }

  /** Write the outcome now, and stop writing. The file stays: a reader sees the run ended. */
  close(status: Exclude<ProgressStatus, 'running'>): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    this.guard(() => {
      this.status = status;
      this.finishedAt = this.now();
      this.running.clear();
      this.write();
    });
  }

  /** The file as it would be written now. */
  content(): ProgressFileContent {
    const iso = (ms: number): string => new Date(ms).toISOString();
    const { run } = this.options;
    return {
      schema_version: 1,
      run_id: run.runId,
      pid: process.pid,
      hostname: hostname(),
      command: run.command,
      args: run.args,
      target: run.target,
      started_at: iso(this.startedAt),
      updated_at: iso(this.now()),
      finished_at: this.finishedAt === undefined ? null : iso(this.finishedAt),
      status: this.status,
      totals: { ...this.totals },
      models: [...this.models.values()].map((m) => ({
        ...m,
        running: [...this.running.values()]
          .filter((r) => r.step.model === m.name)
          .map((r) => stepLabel(r.step)),
      })),
      running: [...this.running.values()].map((r) => ({
        id: r.step.id,
        model: r.step.model,
        started_at: iso(r.startedAt),
        ...(r.attempt === undefined ? {} : { attempt: r.attempt }),
      })),
      snapshot: this.options.snapshot ?? null,
    };
  }

  private model(name: string): ProgressModel {
    let m = this.models.get(name);
    if (m === undefined) {
      m = {
        name,
        materialized: this.options.run.materialized(name),
        windows_total: 0,
        windows_done: 0,
        steps_total: 0,
        steps_done: 0,
        failed: 0,
        rows: 0,
        running: [],
      };
      this.models.set(name, m);
    }
    return m;
  }

  /** Something changed: write now if the last write is old enough, else once it is. */
  private touch(): void {
    if (this.closed || this.timer !== undefined) return;
    const wait = this.lastWrite + (this.options.intervalMs ?? 1000) - this.now();
    if (wait <= 0) {
      this.write();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.closed) this.guard(() => this.write());
    }, wait);
    // A pending write never keeps the process alive.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Write the file atomically: a reader sees the old file or the new one, whole. */
  private write(): void {
    this.lastWrite = this.now();
    writeAtomically(this.options.path, `${JSON.stringify(this.content(), null, 2)}\n`);
  }

  /** Run bookkeeping that must never fail the run: a failure is told once. */
  private guard(work: () => void): void {
    try {
      work();
    } catch (error) {
      if (this.told) return;
      this.told = true;
      const message = error instanceof Error ? error.message : String(error);
      this.options.onNotice?.(
        `could not write the progress file ${this.options.path} (the run goes on; etl status from another terminal cannot show its progress): ${message.split('\n')[0]}`,
      );
    }
  }
}

/** Write a file by writing a file beside it and renaming it over the first. */
export function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
