import type { Step } from '../plan/plan.js';
import type { Window } from '../time/window.js';
import type { EtlError } from '../errors.js';
import type { TestResult } from '../testing/test-result.js';

/** The outcome of one step. */
export interface StepResult {
  readonly step: Step;
  /**
   * `unchanged`: a conditional step not written, its inputs being as they were, or a step
   * another process built meanwhile from the same inputs (`builtBy`).
   */
  readonly status: 'success' | 'unchanged' | 'failed' | 'upstream_failed' | 'cancelled';
  readonly rows: number;
  readonly windows: readonly { readonly window: Window; readonly rows: number }[];
  readonly error: EtlError | undefined;
  readonly durationMs: number;
  /** When the step started (epoch ms); undefined for a step not run. */
  readonly startedAt?: number;
  /** The thread (1-based) that ran it; undefined for a step not run. */
  readonly thread?: number;
  /** An `unchanged` step another process built meanwhile: the run that built it. */
  readonly builtBy?: string;
  /** Tries made (1 without retries; 0 when not run). */
  readonly attempts: number;
  /** Data tests that ran on what the step wrote (passes and warnings). */
  readonly tests?: readonly TestResult[] | undefined;
  /**
   * Data tests that read other models, run after every step of the run on what this model
   * wrote (on its last step written). A failure here fails the run; it rolls nothing back.
   */
  readonly checks?: readonly TestResult[] | undefined;
}

/** One failure in a run, as listed in the summary and the runs table. */
export interface Failure {
  readonly model: string;
  /** The failed step's label after its model (`2024-01-05`, `refresh 2024-01`, `swap`). */
  readonly window: string | undefined;
  /** Start of the failed step's first window, ISO-8601 UTC; null for an unwindowed step. */
  readonly from: string | null;
  /** End (exclusive) of the failed step's last window, ISO-8601 UTC; null when unwindowed. */
  readonly to: string | null;
  readonly code: string;
  readonly error: string;
  /** A data test run after the build that failed: its name. */
  readonly test?: string;
}

/** Per-model totals of a run. */
export interface ModelSummary {
  readonly name: string;
  readonly materialized: string;
  built: number;
  skipped: number;
  failed: number;
  upstream_failed: number;
  /** Windows (or builds) an interrupt kept from starting. */
  not_run: number;
  rows: number;
}

/** The summary of build/backfill/run, the object `--json` prints (DESIGN §6). */
export interface RunSummary {
  readonly command: string;
  /** `interrupted`: stopped by Ctrl-C (or an aborted signal); rerunning resumes. */
  readonly status: 'success' | 'failed' | 'interrupted';
  readonly run_id: string;
  /** When the command started (before compiling), ISO-8601 UTC. */
  readonly started_at: string;
  /** When the run ended, ISO-8601 UTC. */
  readonly finished_at: string;
  readonly duration_ms: number;
  readonly partitions: {
    built: number;
    skipped: number;
    failed: number;
    upstream_failed: number;
    /** Windows an interrupt kept from starting (Ctrl-C, an aborted signal). */
    not_run: number;
  };
  readonly models: ModelSummary[];
  readonly failures: Failure[];
  /** Data tests with severity warn that found rows. */
  readonly warnings: { readonly model: string; readonly test: string; readonly message: string }[];
}
