import type { Step } from '../plan/plan.js';
import type { StepResult } from '../execute/run-summary.js';

/** Receives events while a plan runs. */
export interface Reporter {
  stepStarted(step: Step): void;
  stepFinished(result: StepResult): void;
  /** A line of information (not printed under --quiet or --json). */
  info(message: string): void;
}

/** A reporter that prints nothing. */
export const silentReporter: Reporter = {
  stepStarted: () => undefined,
  stepFinished: () => undefined,
  info: () => undefined,
};
