import type { Connection } from '../engine/adapter.js';
import { formatTimestamp, type Window } from '../time/window.js';
import { quoteString, sqlLiteral } from '../util/sql.js';

/** The schema that holds etl's own state, next to the data so that it commits with it. */
export { STATE_SCHEMA } from '../project/reserved.js';
import { STATE_SCHEMA } from '../project/reserved.js';

/** The next value of the ledger's commit order: monotonic, assigned by the database. */
export const NEXT_SEQ = `nextval('${STATE_SCHEMA}.seq')`;

/** The ledger of windows: one row per committed window, append-only. */
export const PARTITIONS = `${STATE_SCHEMA}.partitions`;

/**
 * Windows of a full refresh written into the model's table built aside; they move to
 * {@link PARTITIONS} in the transaction that swaps the table in.
 */
export const REFRESHING = `${STATE_SCHEMA}.refreshing`;

/** Columns of the window ledgers, in table order (version 1 columns first, then version 2). */
export const PARTITION_COLUMNS = `model VARCHAR NOT NULL,
  window_start TIMESTAMP NOT NULL,
  window_end TIMESTAMP NOT NULL,
  fingerprint VARCHAR NOT NULL,
  row_count BIGINT NOT NULL,
  content_hash VARCHAR,
  run_id VARCHAR NOT NULL,
  finished_at TIMESTAMP NOT NULL,
  input_version VARCHAR,
  input_start TIMESTAMP,
  "partial" VARCHAR,
  forward_only BOOLEAN,
  seq BIGINT`;

/** One committed window of a model, as the ledger's newest row for it says. */
export interface PartitionRecord {
  readonly model: string;
  readonly window: Window;
  readonly fingerprint: string;
  readonly rowCount: number;
  readonly contentHash: string | undefined;
  /**
   * Hash of the data versions the window read. Undefined for a window written before the
   * ledger recorded them: such a window is trusted as current.
   */
  readonly inputVersion: string | undefined;
  /** Start of the input range the version covers: the window's start less its lookback. */
  readonly inputStart: number | undefined;
  /** Why the window is partial (`open`, `inputs missing`); undefined when it is complete. */
  readonly partial: string | undefined;
  /** The row accepted a new fingerprint without a rebuild (`--forward-only`). */
  readonly forwardOnly: boolean;
  /** Commit order of the row: the newest row of a window has the highest. */
  readonly seq: number;
  /** Commit order of the window's first row: before it, the window did not exist. */
  readonly firstSeq: number;
}

/** A window just written, for its ledger row (the ledger assigns its seq). */
export type NewPartition = Omit<PartitionRecord, 'seq' | 'firstSeq'> & {
  readonly runId: string;
  readonly finishedAt: number;
};

/** The columns an INSERT of ledger rows names, in order. */
export const PARTITION_INSERT_COLUMNS =
  'model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq';

/** The INSERT of ledger rows for windows just written (append-only). */
export function insertPartitionsSql(
  records: readonly NewPartition[],
  table: string = PARTITIONS,
): string {
  const values = records.map(
    (r) =>
      `(${[
        quoteString(r.model),
        ts(r.window.start),
        ts(r.window.end),
        quoteString(r.fingerprint),
        String(r.rowCount),
        sqlLiteral(r.contentHash ?? null),
        quoteString(r.runId),
        ts(r.finishedAt),
        sqlLiteral(r.inputVersion ?? null),
        r.inputStart === undefined ? 'NULL' : ts(r.inputStart),
        sqlLiteral(r.partial ?? null),
        r.forwardOnly ? 'true' : 'false',
        NEXT_SEQ,
      ].join(', ')})`,
  );
  return `INSERT INTO ${table} (${PARTITION_INSERT_COLUMNS}) VALUES\n  ${values.join(',\n  ')}`;
}

/**
 * The newest ledger row of every (model, window), optionally for some models only, by model
 * in time order. Rows are sent as one text per model (a million rows arrive in about a
 * second, against three as row objects).
 */
export async function readPartitions(
  conn: Connection,
  options: {
    models?: readonly string[];
    table?: string;
    /**
     * Models of which only the windows starting inside a span are read (none for an empty
     * span); the others are read whole.
     */
    spans?: ReadonlyMap<string, Window>;
    /** In how many queries (see LEDGER_READ_PARTS); one is quicker for a narrow read. */
    parts?: number;
  } = {},
): Promise<Map<string, PartitionRecord[]>> {
  const table = options.table ?? PARTITIONS;
  const out = new Map<string, PartitionRecord[]>();
  const source = await ledgerSource(conn, table);
  if (source === undefined) return out;
  const d = conn.dialect;
  const filters: string[] = [];
  let from = source;
  if (options.models !== undefined)
    filters.push(`model IN (${options.models.map(quoteString).join(', ') || 'NULL'})`);
  if (options.spans !== undefined && options.spans.size > 0) {
    const spans = [...options.spans].map(([model, span]) => ({ model, ...span }));
    if (d.spanRows !== undefined) {
      // Rows of models without a span, and those inside their model's span (an empty span:
      // none).
      from = `(SELECT p.* FROM ${source} AS p LEFT JOIN ${d.spanRows(spans)} AS sp ON p.model = sp.m
  WHERE sp.m IS NULL OR (${d.epochMs('p.window_start')} > sp.lo AND ${d.epochMs('p.window_start')} < sp.hi))`;
    } else {
      const within = spans
        .filter((span) => span.end > span.start)
        .map(
          (span) =>
            `(model = ${quoteString(span.model)} AND window_start > ${ts(span.start)} AND window_start < ${ts(span.end)})`,
        );
      filters.push(
        `(model NOT IN (${spans.map((span) => quoteString(span.model)).join(', ')})${within.map((w) => ` OR ${w}`).join('')})`,
      );
    }
  }
  // The newest row of each window (by a narrow aggregate, then a join on seq, which etl
  // assigns once per row: less memory than a window function over whole rows, less time than
  // a join on the window's key), one text per model and fingerprint in time order (the
  // fingerprint once, not on each line), with values that repeat left out: the end and the
  // input range's start as offsets from the start, the first seq when it is the seq.
  const line = d.concatWs("'|'", [
    d.epochMs('window_start'),
    `${d.epochMs('window_end')} - ${d.epochMs('window_start')}`,
    'row_count',
    `coalesce(content_hash, '')`,
    `coalesce(input_version, '')`,
    `coalesce((${d.epochMs('window_start')} - ${d.epochMs('input_start')})::VARCHAR, '')`,
    `coalesce("partial", '')`,
    'CASE WHEN forward_only THEN 1 ELSE 0 END',
    'seq',
    `CASE WHEN first_seq = seq THEN '' ELSE first_seq::VARCHAR END`,
  ]);
  // In parts of the models (all of a model's rows in one), each part's query sent before
  // the previous part's text is parsed: the database works while etl parses.
  const most = options.parts ?? LEDGER_READ_PARTS;
  const parts = Math.min(most, options.models?.length ?? most);
  const query = (part: number): Promise<Record<string, unknown>[]> => {
    const inPart = parts === 1 ? [] : [`${d.bucketOf('model', parts)} = ${part}`];
    const where = [...filters, ...inPart];
    return conn.query(
      `WITH source AS (SELECT * FROM ${from} AS etl_l ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}),
newest AS (SELECT max(seq) AS seq, min(seq) AS first_seq FROM source GROUP BY model, window_start)
SELECT model, fingerprint, ${d.textAgg(line, 'chr(10)', 'window_start, seq')} AS rows
FROM (SELECT s.*, n.first_seq FROM source s JOIN newest n ON s.seq = n.seq) AS r
GROUP BY model, fingerprint`,
    );
  };
  let next = query(0);
  for (let part = 0; part < parts; part++) {
    const rows = await next;
    if (part + 1 < parts) {
      next = query(part + 1);
      // Awaited next time round; a failure while this part is parsed is not unhandled.
      next.catch(() => undefined);
    }
    for (const row of rows) {
      const model = String(row.model);
      const records = parseRecords(model, String(row.fingerprint), String(row.rows));
      const had = out.get(model);
      out.set(model, had === undefined ? records : mergeByStart(had, records));
    }
  }
  return out;
}

/**
 * How many queries read the ledger (see readPartitions): over 876,480 windows of 100 models,
 * 4 parts took 2.24 s against 2.46 s for one (etl status, medians of 6; 8 parts 2.34 s). Each
 * query scans the ledger: a read of a few windows of each model (`build --date` after ten years
 * of hours) took 0.94 s in four against 0.83 s in one, so a narrow read is made in one.
 */
const LEDGER_READ_PARTS = 4;

/** Two lists of records in time order (of different windows), merged in time order. */
function mergeByStart(a: PartitionRecord[], b: PartitionRecord[]): PartitionRecord[] {
  if (a.at(-1)!.window.start < b[0]!.window.start) return a.concat(b);
  if (b.at(-1)!.window.start < a[0]!.window.start) return b.concat(a);
  const out: PartitionRecord[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x.window.start === y.window.start) {
      // Only where seqs repeat (see parseRecords): the newer row.
      out.push(x.seq >= y.seq ? x : y);
      i++;
      j++;
    } else out.push(x.window.start < y.window.start ? a[i++]! : b[j++]!);
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** What the whole ledger of a model says, without its windows (see readLedgerSpans). */
export interface LedgerSpan {
  /** The start of its first and last window recorded. */
  readonly first: number;
  readonly last: number;
  /** The seq of its newest row. */
  readonly newestSeq: number;
  /** Every fingerprint its rows were written under, newest or not. */
  readonly fingerprints: readonly string[];
  /** How far before its window the widest input range recorded begins, in ms (0: none). */
  readonly reach: number;
}

/**
 * The span of each model's windows in the ledger, its newest seq, the fingerprints it was
 * written under and its widest recorded input range: one grouped scan that returns a row per model and definition, whatever the
 * number of windows.
 */
export async function readLedgerSpans(
  conn: Connection,
  models: readonly string[],
): Promise<Map<string, LedgerSpan>> {
  const out = new Map<string, LedgerSpan>();
  const source = models.length === 0 ? undefined : await ledgerSource(conn, PARTITIONS);
  if (source === undefined) return out;
  const d = conn.dialect;
  const rows = await conn.query(
    `SELECT model, fingerprint, ${d.epochMs('min(window_start)')} AS first, ${d.epochMs('max(window_start)')} AS last, max(seq) AS newest,
  max(${d.epochMs('window_start')} - ${d.epochMs('input_start')}) AS reach
FROM ${source} WHERE model IN (${models.map(quoteString).join(', ')}) GROUP BY model, fingerprint`,
  );
  for (const row of rows) {
    const model = String(row.model);
    const had = out.get(model);
    const first = Number(row.first);
    const last = Number(row.last);
    const newest = Number(row.newest);
    const reach = Number(row.reach ?? 0);
    out.set(
      model,
      had === undefined
        ? { first, last, newestSeq: newest, fingerprints: [String(row.fingerprint)], reach }
        : {
            first: Math.min(had.first, first),
            last: Math.max(had.last, last),
            newestSeq: Math.max(had.newestSeq, newest),
            fingerprints: [...had.fingerprints, String(row.fingerprint)],
            reach: Math.max(had.reach, reach),
          },
    );
  }
  return out;
}

/**
 * Records of one fingerprint from lines of `|`-separated fields (see readPartitions), scanned
 * by hand into columns (typed arrays), each record a view of one row of them: a ledger of
 * 876,000 windows makes one small object a window instead of a record, its window, its
 * timestamps as numbers and its hash as strings (allocating those alone took 0.25-0.9 s).
 * The input version is one string per run of equal versions (a model that reads no windows
 * has one for all); the content hash is cut from the text when asked for.
 */
function parseRecords(model: string, fingerprint: string, text: string): PartitionRecord[] {
  let lines = 1;
  for (let p = text.indexOf('\n'); p >= 0; p = text.indexOf('\n', p + 1)) lines++;
  const rows = new LedgerRows(model, fingerprint, text, lines);
  const length = text.length;
  let pos = 0;
  const integer = (): number => {
    const value = readInteger(text, pos, length);
    pos = integerEnd;
    return value;
  };
  // Past the next separator; returns where the field ended.
  const skip = (): number => {
    const end = text.indexOf('|', pos);
    pos = end + 1;
    return end;
  };
  let inputVersion = '';
  let n = 0;
  while (pos < length) {
    const start = integer();
    const span = integer();
    const rowCount = integer();
    const hashAt = pos;
    const hashEnd = skip();
    const versionAt = pos;
    const versionEnd = skip();
    if (
      versionEnd - versionAt !== inputVersion.length ||
      !text.startsWith(inputVersion, versionAt)
    ) {
      inputVersion = text.slice(versionAt, versionEnd);
      rows.versions.push(inputVersion || undefined);
    }
    const reach = integer();
    const partialAt = pos;
    const partialEnd = skip();
    const forwardOnly = text.charCodeAt(pos) === ONE;
    pos += 2;
    const seq = integer();
    const firstSeq = integer();
    // Two rows of one window could meet only where seqs repeat (etl never writes that: a
    // ledger edited by hand); the newer is kept.
    if (n > 0 && rows.start[n - 1] === start) {
      if (rows.seq[n - 1]! > seq) continue;
      n--;
    }
    rows.start[n] = start;
    rows.end[n] = start + span;
    rows.rowCount[n] = rowCount;
    rows.hashAt[n] = hashAt;
    rows.hashEnd[n] = hashEnd;
    rows.version[n] = rows.versions.length - 1;
    let flags = forwardOnly ? FORWARD_ONLY : 0;
    if (!Number.isNaN(reach)) {
      flags |= HAS_INPUT_START;
      rows.inputStart[n] = start - reach;
    }
    if (partialEnd > partialAt) {
      flags |= PARTIAL;
      rows.partial.set(n, text.slice(partialAt, partialEnd));
    }
    rows.flags[n] = flags;
    rows.seq[n] = seq;
    rows.firstSeq[n] = Number.isNaN(firstSeq) ? seq : firstSeq;
    n++;
  }
  const records = new Array<PartitionRecord>(n);
  for (let i = 0; i < n; i++) records[i] = new LedgerRow(rows, i);
  return records;
}

/** Where the last {@link readInteger} ended: past its separator. */
let integerEnd = 0;

/**
 * A decimal integer, maybe negative, from `pos` to the next separator, read without a
 * substring; {@link integerEnd} is then past the separator. An empty field reads NaN. A
 * function of its own, its position a local: as a closure over parseRecords' position it
 * read the 876,000 rows of a year of 100 hourly models 20-25% slower.
 */
function readInteger(text: string, pos: number, length: number): number {
  let c = text.charCodeAt(pos);
  if (c === PIPE || c === NEWLINE || pos >= length) {
    integerEnd = pos + 1;
    return NaN;
  }
  const negative = c === MINUS;
  if (negative) c = text.charCodeAt(++pos);
  let value = 0;
  while (c >= ZERO && c <= NINE) {
    value = value * 10 + (c - ZERO);
    c = text.charCodeAt(++pos);
  }
  integerEnd = pos + 1;
  return negative ? -value : value;
}

const PIPE = 124;
const NEWLINE = 10;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;
const ONE = 49;
const FORWARD_ONLY = 1;
const HAS_INPUT_START = 2;
const PARTIAL = 4;

/** The columns of one model's rows of one fingerprint, as parseRecords reads them. */
class LedgerRows {
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly rowCount: Float64Array;
  readonly inputStart: Float64Array;
  readonly seq: Float64Array;
  readonly firstSeq: Float64Array;
  /** Where the content hash is in the text (empty: none). */
  readonly hashAt: Int32Array;
  readonly hashEnd: Int32Array;
  /** Index in {@link versions}. */
  readonly version: Int32Array;
  readonly flags: Uint8Array;
  readonly versions: (string | undefined)[] = [];
  /** Why a window is partial, by row (most are complete), where its flags say it is. */
  readonly partial = new Map<number, string>();

  constructor(
    readonly model: string,
    readonly fingerprint: string,
    readonly text: string,
    size: number,
  ) {
    this.start = new Float64Array(size);
    this.end = new Float64Array(size);
    this.rowCount = new Float64Array(size);
    this.inputStart = new Float64Array(size);
    this.seq = new Float64Array(size);
    this.firstSeq = new Float64Array(size);
    this.hashAt = new Int32Array(size);
    this.hashEnd = new Int32Array(size);
    this.version = new Int32Array(size);
    this.flags = new Uint8Array(size);
  }
}

/** One record of {@link LedgerRows}, read from its columns when asked. */
class LedgerRow implements PartitionRecord {
  constructor(
    private readonly rows: LedgerRows,
    private readonly i: number,
  ) {}
  get model(): string {
    return this.rows.model;
  }
  get fingerprint(): string {
    return this.rows.fingerprint;
  }
  get window(): Window {
    return { start: this.rows.start[this.i]!, end: this.rows.end[this.i]! };
  }
  get rowCount(): number {
    return this.rows.rowCount[this.i]!;
  }
  get contentHash(): string | undefined {
    const at = this.rows.hashAt[this.i]!;
    const end = this.rows.hashEnd[this.i]!;
    return end > at ? this.rows.text.slice(at, end) : undefined;
  }
  get inputVersion(): string | undefined {
    return this.rows.versions[this.rows.version[this.i]!];
  }
  get inputStart(): number | undefined {
    return this.rows.flags[this.i]! & HAS_INPUT_START ? this.rows.inputStart[this.i] : undefined;
  }
  get partial(): string | undefined {
    return this.rows.flags[this.i]! & PARTIAL ? this.rows.partial.get(this.i) : undefined;
  }
  get forwardOnly(): boolean {
    return (this.rows.flags[this.i]! & FORWARD_ONLY) !== 0;
  }
  get seq(): number {
    return this.rows.seq[this.i]!;
  }
  get firstSeq(): number {
    return this.rows.firstSeq[this.i]!;
  }
}

/** Column names of the ledger's tables, by table (empty when there is no ledger yet). */
export async function ledgerColumns(conn: Connection): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const { table, column } of await conn.schemaColumns(STATE_SCHEMA)) {
    const set = out.get(table) ?? new Set<string>();
    set.add(column);
    out.set(table, set);
  }
  return out;
}

/**
 * The window ledger as a relation with every current column. A ledger written before data
 * versions (read by a command that must not upgrade it) gets NULLs and an order from its
 * clocks.
 */
async function ledgerSource(conn: Connection, table: string): Promise<string | undefined> {
  const name = table.slice(STATE_SCHEMA.length + 1);
  const columns = (await ledgerColumns(conn)).get(name);
  if (columns === undefined) return undefined;
  if (columns.has('seq')) return table;
  return `(SELECT *, NULL::VARCHAR AS input_version, NULL::TIMESTAMP AS input_start, NULL::VARCHAR AS "partial", false AS forward_only,
  row_number() OVER (ORDER BY finished_at, run_id) AS seq FROM ${table})`;
}

/** A TIMESTAMP literal of an instant (epoch ms, UTC). */
export function ts(ms: number): string {
  return `TIMESTAMP '${formatTimestamp(ms)}${ms % 1000 === 0 ? '' : `.${String(ms % 1000).padStart(3, '0')}`}'`;
}
