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

/** Variables of a window's render that name one point in time, not a range to filter on. */
const POINT_VARIABLES = ['ds', 'ds_nodash', 'ts', 'start_ts', 'end_ts'];

/**
 * Why a model's query may not give, run once over merged windows, the rows it gives window by
 * window; undefined when nothing says so. `sql` is the query rendered for one window
 * (`start`, `end` its literals), `template` the model's text, `tests` the kinds of its data
 * tests run in the write's transaction. Conservative: a reason only costs speed.
 * - a variable naming a point in time (`{{ ds }}`): a value, not a filter;
 * - `start` or `end` anywhere but after a comparison that bounds a range (`>=`, `>`,
 *   `between` for the start; `<`, `<=`, `and` for the end): `{{ start }} as day` stamps values;
 * - a window function (`over (`): rows see rows of the neighbouring windows;
 * - a test that passes merged where it could fail alone (`not_empty`), or is the project's own.
 */
export function mergeBlocker(
  sql: string,
  literals: { readonly start: string; readonly end: string },
  template: string,
  tests: readonly string[],
): string | undefined {
  const point = pointVariable(template);
  if (point !== undefined) return `its template reads {{ ${point} }}`;
  const bad = (literal: string, before: RegExp): boolean => {
    for (let at = sql.indexOf(literal); at >= 0; at = sql.indexOf(literal, at + 1))
      if (!before.test(sql.slice(Math.max(0, at - 40), at))) return true;
    return false;
  };
  if (bad(literals.start, /(>=?|\bbetween)\s*\(?\s*$/i))
    return 'its template uses {{ start }} other than as a lower bound';
  if (bad(literals.end, /(<=?|\band)\s*\(?\s*$/i))
    return 'its template uses {{ end }} other than as an upper bound';
  if (/\bover\s*\(|\bwindow\s+\w+\s+as\s*\(/i.test(sql)) return 'its query has a window function';
  const test = tests.find((t) => t === 'not_empty' || t === 'custom');
  if (test !== undefined) return `it has a ${test === 'custom' ? 'custom' : test} data test`;
  return undefined;
}

/**
 * The first variable naming a point in time that a template's tags use (`{{ ds }}`,
 * `{% if ds == '2024-01-01' %}`), outside strings and comments; undefined if none.
 */
function pointVariable(template: string): string | undefined {
  const tags = template.replace(/{#[\s\S]*?#}/g, '').match(/{{[\s\S]*?}}|{%[\s\S]*?%}/g) ?? [];
  for (const tag of tags) {
    const code = tag.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''");
    const found = POINT_VARIABLES.find((v) => new RegExp(`(?<![.\\w])${v}(?!\\w)`).test(code));
    if (found !== undefined) return found;
  }
  return undefined;
}
