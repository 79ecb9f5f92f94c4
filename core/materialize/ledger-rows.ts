import type { Column } from '../engine/adapter.js';
import type { Dialect } from '../engine/dialect.js';
import { NEXT_SEQ, PARTITION_INSERT_COLUMNS, ts } from '../state/ledger.js';
import type { Window } from '../time/window.js';
import { quoteString } from '../util/sql.js';
import { contentSalt } from './stage.js';

/** A window just written, for its ledger row: all but its row count and content hash. */
export interface LedgerWindow {
  readonly model: string;
  readonly window: Window;
  readonly fingerprint: string;
  readonly inputVersion: string | undefined;
  readonly inputStart: number | undefined;
  readonly partial: string | undefined;
  readonly runId: string;
  readonly finishedAt: number;
}

/** A window's content hash (as its ledger row records it) from the sum of its row hashes. */
export function contentHashSql(dialect: Dialect, sum: string, columns: readonly Column[]): string {
  return dialect.hashHex(`coalesce(${sum}, 0) + ${contentSalt(columns).toString()}`);
}

/**
 * The INSERT of the ledger rows of windows just written, counting and hashing their rows in the
 * same statement (no round trip between writing and recording), and returning per window its
 * start (`w`, epoch ms), `row_count` and `content_hash`. `rows` selects the rows written with
 * the hashed columns; with more than one window, `windowKey` groups them by window.
 */
export function ledgerRowsSql(
  dialect: Dialect,
  options: {
    readonly table: string;
    readonly windows: readonly LedgerWindow[];
    readonly rows: string;
    readonly columns: readonly Column[];
    readonly windowKey: string;
  },
): string {
  const { windows, columns } = options;
  const hashOf = (sum: string): string => contentHashSql(dialect, sum, columns);
  const stats = `SELECT count(*) AS n, ${dialect.rowHashSum('etl_row__')} AS h FROM (${options.rows}) AS etl_row__`;
  const grouped = `SELECT ${options.windowKey} AS k, count(*) AS n, ${dialect.rowHashSum('etl_row__')} AS h FROM (${options.rows}) AS etl_row__ GROUP BY 1`;
  const insert = `INSERT INTO ${options.table} (${PARTITION_INSERT_COLUMNS})`;
  const returning = `RETURNING ${dialect.epochMs('window_start')} AS w, row_count, content_hash`;
  const only = windows.length === 1 ? windows[0] : undefined;
  if (only !== undefined)
    return `${insert}
SELECT ${rowValues(only)
      .map((v, i) => (i === 4 ? 'etl_s.n' : i === 5 ? hashOf('etl_s.h') : v))
      .join(', ')}
FROM (${stats}) AS etl_s
${returning}`;
  const first = windows[0];
  if (first === undefined) throw new Error('a step writes at least one window');
  const constant = rowValues(first);
  const rows =
    windows.length > 1
      ? dialect.windowRows?.(
          windows.map((w) => ({
            start: w.window.start,
            end: w.window.end,
            inputVersion: w.inputVersion,
            inputStart: w.inputStart,
            partial: w.partial,
          })),
        )
      : undefined;
  const relation =
    rows === undefined
      ? `(VALUES
  ${windows.map((w) => `(${windowValues(w).join(', ')})`).join(',\n  ')}) AS etl_w(s, e, iv, istart, part)`
      : `(${rows}) AS etl_w`;
  return `${insert}
SELECT ${constant[0]}, etl_w.s, etl_w.e, ${constant[3]}, coalesce(etl_s.n, 0), ${hashOf('etl_s.h')}, ${constant[6]}, ${constant[7]}, etl_w.iv, etl_w.istart, etl_w.part, false, ${NEXT_SEQ}
FROM ${relation}
LEFT JOIN (${grouped}) AS etl_s ON etl_s.k = ${dialect.epochMs('etl_w.s')}
ORDER BY etl_w.s
${returning}`;
}

/** The values of a window's ledger row, in {@link PARTITION_INSERT_COLUMNS} order. */
function rowValues(w: LedgerWindow): string[] {
  return [
    quoteString(w.model),
    ts(w.window.start),
    ts(w.window.end),
    quoteString(w.fingerprint),
    '0',
    'NULL',
    quoteString(w.runId),
    ts(w.finishedAt),
    text(w.inputVersion),
    w.inputStart === undefined ? 'CAST(NULL AS TIMESTAMP)' : ts(w.inputStart),
    text(w.partial),
    'false',
    NEXT_SEQ,
  ];
}

/** What differs between the windows of one step. */
function windowValues(w: LedgerWindow): string[] {
  const all = rowValues(w);
  return [all[1]!, all[2]!, all[8]!, all[9]!, all[10]!];
}

function text(value: string | undefined): string {
  return value === undefined ? 'CAST(NULL AS VARCHAR)' : quoteString(value);
}
