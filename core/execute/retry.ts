import { errorMessage } from '../errors.js';

/** Retry settings: attempts after the first, and the capped exponential backoff. */
export interface RetryPolicy {
  readonly retries: number;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** The default policy: 2 retries, 200 ms doubling to at most 5 s, with jitter. */
export const DEFAULT_RETRY: RetryPolicy = { retries: 2, baseMs: 200, maxMs: 5_000 };

/** The delay before retry `attempt` (1-based): capped exponential, jittered to 50–100%. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const capped = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.round(capped * (0.5 + (policy.random ?? Math.random)() / 2));
}

/**
 * Run `work`, retrying transient failures with backoff. Resolves with the result and the
 * number of attempts, or rejects with the last error (its `attempts` recorded).
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  /** Whether an error is worth another attempt (the engine's dialect knows). */
  isTransient: (error: unknown) => boolean,
  work: (attempt: number) => Promise<T>,
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void,
): Promise<{ value: T; attempts: number }> {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await work(attempt), attempts: attempt };
    } catch (error) {
      if (attempt > policy.retries || !isTransient(error)) throw new RetryExhausted(error, attempt);
      const delay = backoffMs(policy, attempt);
      onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

/** The last error of a retried piece of work, with how many attempts were made. */
export class RetryExhausted extends Error {
  readonly attempts: number;
  constructor(cause: unknown, attempts: number) {
    super(errorMessage(cause), { cause });
    this.attempts = attempts;
  }
}
