import type { Plan, Step } from '../plan/plan.js';
import type { StepResult } from './run-summary.js';

/** Receives events while a plan runs. */
export interface Reporter {
  /** The plan is about to run. */
  planned?(plan: Plan): void;
  /** The run is over (clear any live display). */
  finished?(): void;
  stepStarted(step: Step): void;
  /**
   * A step ended. Steps written together by adaptive batching come one after another with
   * their `batch`, the last of them last.
   */
  stepFinished(result: StepResult, batch?: StepBatch): void;
  /** A transient error is about to be retried after `delayMs`. */
  retrying?(step: Step, attempt: number, delayMs: number, message: string): void;
  /** A line of information (not printed under --quiet or --json). */
  info(message: string): void;
}

/** Steps written in one transaction by adaptive batching. */
export interface StepBatch {
  /** `model@first..last`. */
  readonly id: string;
  readonly results: readonly StepResult[];
  /** The transaction's time. */
  readonly durationMs: number;
}

/** A reporter that prints nothing. */
export const silentReporter: Reporter = {
  stepStarted: () => undefined,
  stepFinished: () => undefined,
  info: () => undefined,
};
