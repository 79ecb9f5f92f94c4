/**
 * Adaptive batching: where a model's batch_size is not set, the run merges consecutive
 * windows that are ready into one transaction, as many as it measured to fit in
 * {@link TARGET_MS}. A window's write has a fixed cost (a transaction, a delete, an insert, a
 * ledger row: a few ms on DuckDB) that dwarfs the rows of a small window; merged, the fixed
 * cost is paid once. The ledger still gets one row per window.
 */

/**
 * How long a merged write should take: long enough that the fixed cost of a transaction is a
 * small share of it, short enough that an interrupted run loses little and progress moves.
 */
export const TARGET_MS = 500;

/** At most this many windows in one transaction (a year of hours is 8,784). */
export const MAX_WINDOWS = 10_000;

/** A write may merge at most this many times the windows of the one before it. */
const GROWTH = 4;

/** The number of windows the next merged write of each model may hold, from the last ones. */
export class BatchSizer {
  private readonly sizes = new Map<string, number>();

  /** Windows the next write of `model` may merge: 1 at first. */
  limit(model: string): number {
    return this.sizes.get(model) ?? 1;
  }

  /** A write of `windows` windows of `model` committed in `ms`. */
  wrote(model: string, windows: number, ms: number): void {
    const current = Math.max(this.limit(model), windows);
    const fit = ms > 0 ? Math.floor((TARGET_MS * windows) / ms) : MAX_WINDOWS;
    this.sizes.set(model, Math.max(1, Math.min(MAX_WINDOWS, current * GROWTH, fit)));
  }

  /** A merged write failed: the windows are written one by one, and the size starts again. */
  failed(model: string): void {
    this.sizes.set(model, 1);
  }
}
