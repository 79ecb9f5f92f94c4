import type { Grain } from '../time/window.js';
import { quoteString } from '../util/sql.js';
import { errorMessage } from '../errors.js';
import { POSTGRES } from './postgres-dialect.js';

/** What the lock of a step says when another process holds it (see Dialect.stepLock). */
export const STEP_BUSY = 'etl: held by another process';

/**
 * What differs in SQL from one engine to another, asked for by the rest of etl: nothing
 * outside core/engine/ writes engine-only SQL for the fragments named here. One object per
 * engine; a connection carries its engine's.
 */
/** One window's values for {@link Dialect.windowRows}: times as epoch ms. */
export interface WindowRow {
  readonly start: number;
  readonly end: number;
  readonly inputVersion: string | undefined;
  readonly inputStart: number | undefined;
  readonly partial: string | undefined;
}

export interface Dialect {
  readonly name: 'duckdb' | 'postgres';
  /**
   * Whether the engine reads files on the machine etl runs on (DuckDB); if not, seeds are
   * read by an in-memory DuckDB and copied in (`Connection.copyCsv`).
   */
  readonly readsFiles: boolean;
  /** This engine's name of a column type as DuckDB names it (a seed's sniffed types). */
  columnType(duckdbType: string): string;
  /** Epoch milliseconds of a timestamp expression, as a number. */
  epochMs(timestamp: string): string;
  /** The start of the window of `grain` holding the timestamp `expr`, in epoch milliseconds. */
  windowKey(expr: string, grain: Grain): string;
  /**
   * The sum of the hashes of the rows of `alias` (a row of the hashed columns, by name): the
   * order-independent part of a content hash.
   */
  rowHashSum(alias: string): string;
  /**
   * Many windows' ledger values as a relation `(s, e, iv, istart, part)` (timestamps, text,
   * timestamp, text), where the engine reads that faster than a VALUES list; undefined where
   * VALUES is as good, or a value cannot be carried this way.
   */
  windowRows?(rows: readonly WindowRow[]): string | undefined;
  /**
   * Spans of window starts by model as a relation `(m, lo, hi)` (text, epoch ms, epoch ms),
   * where the engine filters by a join with it faster than by an OR of a condition per model;
   * undefined where the OR is as good (an index can serve each condition).
   */
  spanRows?(spans: readonly { model: string; start: number; end: number }[]): string;
  /**
   * The 16 hex digits of the integer expression `value` modulo 2^64: a content hash as text,
   * from a sum of row hashes (which may exceed 64 bits or, less a part, fall below zero).
   */
  hashHex(value: string): string;
  /**
   * A boolean expression that is true when `condition` holds and otherwise aborts the statement
   * with an error whose message starts with `message`.
   */
  guard(condition: string, message: string): string;
  /** The rows of `source` (a relation or a subquery) newest per `key` by `order`. */
  newestPerKey(source: string, key: string, order: string): string;
  /** One value holding a row's columns (a comma-separated list), to hash as a whole. */
  packRow(columns: string): string;
  /** `parts` joined by `separator` (a SQL string literal), NULLs skipped. */
  concatWs(separator: string, parts: readonly string[]): string;
  /** The aggregate of `expr` joined by `separator` (a SQL string literal) in `order`. */
  textAgg(expr: string, separator: string, order: string): string;
  /** Which of `parts` buckets a text value falls in (0 to parts - 1), the same on every call. */
  bucketOf(text: string, parts: number): string;
  /** Statements that open another database file read-only under `alias`, and make it current. */
  attachReadOnly(path: string, alias: string): string[];
  /** A relation reading a data file (`path` as a SQL string literal), by its format. */
  readFile(path: string, format: 'csv' | 'json' | 'parquet'): string;
  /** The statement that writes a query's rows to a CSV file with a header (`path` quoted). */
  exportCsv(query: string, path: string): string;
  /** A relation reading a CSV file with a header, every value as text. */
  readCsvAsText(path: string): string;
  /**
   * A relation reading a seed: strict comma-separated values with a header, no row skipped;
   * `columns` reads those columns as text without sniffing; `types` overrides sniffed types.
   */
  readSeed(
    path: string,
    options: { columns?: readonly string[]; types?: Readonly<Record<string, string>> },
  ): string;
  /**
   * What an error reading a CSV file says: the line it names (1-based, the header is line 1),
   * if any, and the reason in a few words, without the engine's class prefix.
   */
  csvError(message: string): { line: number | undefined; reason: string };
  /**
   * Where many processes write one warehouse at once (PostgreSQL): the statement that takes a
   * step's transaction-scoped locks on `keys` (its windows, or its relation), in one order so
   * that two steps never wait on each other. `wait: true` waits for them, up to the lock
   * timeout; `wait: false` fails at once, with {@link STEP_BUSY} in its message, when another
   * process holds one. Undefined where one process writes at a time anyway (DuckDB's file
   * lock).
   */
  stepLock?: (keys: readonly string[], wait: boolean) => string;
  /**
   * What the engine needs in etl_state besides the ledger's tables (PostgreSQL: the function
   * the insert guard raises with): a query that returns a row when it is there, and the
   * statements that make it.
   */
  readonly setup?: { readonly check: string; readonly statements: readonly string[] };
  /**
   * The statement that drops a relation. Where views are bound to what they read (PostgreSQL),
   * it first keeps the definitions of the views that read it, then drops them with it.
   */
  dropRelation(kind: 'TABLE' | 'VIEW', relation: string): string;
  /**
   * Where {@link dropRelation} keeps views: the statement that creates them again, once the
   * relation has been replaced in the same transaction (a view that no longer fits fails it).
   */
  readonly restoreDependents?: string;
  /**
   * The statement that indexes a new model table on the columns each step finds its rows by
   * (the time column; an upsert's keys), where the engine needs one to avoid reading the
   * whole table per window (PostgreSQL). Undefined where it does not (DuckDB's zone maps).
   */
  indexOn?: (relation: string, columns: readonly string[]) => string;
  /** A query returning a row when the sequence `schema.name` exists. */
  sequenceExists(schema: string, name: string): string;
  /** The column that identifies a row of a table physically (ordering an upgrade's rows). */
  readonly rowId: string;
  /** The first `limit` rows of a query with every column as text. */
  sampleAsText(query: string, limit: number): string;
  /**
   * Whether an error is worth retrying: a transaction conflict, a lock, a lost connection or
   * an I/O error, not a deterministic one (parser, binder, constraint, conversion).
   */
  readonly isTransient: (error: unknown) => boolean;
}

const TWO_64 = '18446744073709551616::HUGEINT';

/** DuckDB's SQL. */
export const DUCKDB: Dialect = {
  name: 'duckdb',
  readsFiles: true,
  columnType: (type) => type,
  epochMs: (timestamp) => `epoch_ms(${timestamp})`,
  windowKey: (expr, grain) => `epoch_ms(date_trunc('${grain}', ${expr}::TIMESTAMP))`,
  rowHashSum: (alias) => `sum(hash(${alias}))`,
  // DuckDB binds a VALUES list slowly (8,760 rows: 0.56 s): one text split into rows, 0.05 s.
  windowRows: (rows) => {
    const text = (v: string | undefined): string => v ?? '';
    const lines: string[] = [];
    for (const r of rows) {
      const fields = [
        String(r.start),
        String(r.end),
        text(r.inputVersion),
        r.inputStart === undefined ? '' : String(r.inputStart),
        text(r.partial),
      ];
      // Text that holds a separator, or is empty (an empty string is not NULL), goes by VALUES.
      if (fields.some((f) => /[|\n]/.test(f)) || r.inputVersion === '' || r.partial === '')
        return undefined;
      lines.push(fields.join('|'));
    }
    const list = quoteString(lines.join('\n'));
    return `SELECT epoch_ms(l[1]::BIGINT) AS s, epoch_ms(l[2]::BIGINT) AS e, nullif(l[3], '') AS iv, epoch_ms(nullif(l[4], '')::BIGINT) AS istart, nullif(l[5], '') AS part
FROM (SELECT string_split(unnest(string_split(${list}, chr(10))), '|') AS l)`;
  },
  // An OR of 100 models' span conditions cost 0.35 s over 876,000 ledger rows; a join, none.
  spanRows: (spans) => {
    const list = (values: readonly string[], type: string): string =>
      `unnest([${values.join(', ')}]::${type}[])`;
    return `(SELECT ${list(
      spans.map((s) => quoteString(s.model)),
      'VARCHAR',
    )} AS m, ${list(
      spans.map((s) => String(s.start)),
      'BIGINT',
    )} AS lo, ${list(
      spans.map((s) => String(s.end)),
      'BIGINT',
    )} AS hi)`;
  },
  hashHex: (value) =>
    `lower(lpad(to_hex(((((${value})::HUGEINT % ${TWO_64}) + ${TWO_64}) % ${TWO_64})::UBIGINT), 16, '0'))`,
  guard: (condition, message) =>
    `CASE WHEN ${condition} THEN true ELSE error('${message.replace(/'/g, "''")}') END`,
  newestPerKey: (source, key, order) =>
    `SELECT * FROM ${source} QUALIFY row_number() OVER (PARTITION BY ${key} ORDER BY ${order} DESC) = 1`,
  packRow: (columns) => `struct_pack(${columns})`,
  concatWs: (separator, parts) => `concat_ws(${separator}, ${parts.join(', ')})`,
  textAgg: (expr, separator, order) => `string_agg(${expr}, ${separator} ORDER BY ${order})`,
  bucketOf: (text, parts) => `hash(${text}) % ${parts}`,
  attachReadOnly: (path, alias) => [
    `ATTACH ${quoteString(path)} AS ${alias} (READ_ONLY)`,
    `USE ${alias}`,
  ],
  readFile: (path, format) =>
    format === 'csv'
      ? `read_csv(${path})`
      : format === 'json'
        ? `read_json_auto(${path})`
        : `read_parquet(${path})`,
  exportCsv: (query, path) => `COPY (${query}) TO ${path} (HEADER, DELIMITER ',')`,
  readCsvAsText: (path) => `read_csv(${path}, header = true, all_varchar = true)`,
  readSeed: (path, { columns, types }) => {
    const options = [
      'header = true',
      // Without skip = 0 the sniffer may skip a malformed first rows instead of failing.
      'skip = 0',
      `delim = ','`,
      `quote = '"'`,
      `escape = '"'`,
      'strict_mode = true',
      'null_padding = false',
    ];
    const typed = Object.entries(types ?? {});
    if (columns !== undefined)
      options.push(
        'auto_detect = false',
        `columns = {${columns.map((c) => `${quoteString(c)}: 'VARCHAR'`).join(', ')}}`,
      );
    else if (typed.length > 0)
      options.push(
        `types = {${typed.map(([c, t]) => `${quoteString(c)}: ${quoteString(t)}`).join(', ')}}`,
      );
    return `read_csv(${path}, ${options.join(', ')})`;
  },
  isTransient: duckdbTransient,
  csvError: duckdbCsvError,
  sequenceExists: (schema, name) =>
    `SELECT 1 FROM duckdb_sequences() WHERE schema_name = ${quoteString(schema)} AND sequence_name = ${quoteString(name)}`,
  rowId: 'rowid',
  // DuckDB's views read by name: they follow the relation that replaces another.
  dropRelation: (kind, relation) => `DROP ${kind} ${relation}`,
  sampleAsText: (query, limit) => `SELECT COLUMNS(*)::VARCHAR FROM (\n${query}\n) LIMIT ${limit}`,
};

/** DuckDB's CSV reader names the line as `CSV Error on Line: N` and the reason below it. */
function duckdbCsvError(message: string): { line: number | undefined; reason: string } {
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  const lines = message.split('\n').map((l) => l.trim());
  const reason =
    lines.find((l) =>
      /invalid unicode|not utf-8|expected number|unterminated|does not exist|could not convert/i.test(
        l,
      ),
    ) ??
    (line !== undefined ? 'malformed row (check its quoting)' : undefined) ??
    lines[0] ??
    message;
  return {
    line: line === undefined ? undefined : Number(line),
    reason: reason.replace(/^(Invalid Input|Binder|Conversion) Error: /, ''),
  };
}

/**
 * DuckDB's errors carry no code, only their class in the message (`Binder Error: ...`): they
 * are told apart by it, through the chain of causes.
 */
function duckdbTransient(error: unknown): boolean {
  const messages: string[] = [];
  for (let e: unknown = error, i = 0; e !== undefined && i < 6; i++) {
    messages.push(errorMessage(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  const text = messages.join('\n');
  if (
    /(Parser|Binder|Constraint|Conversion|Out of Range|Invalid Input|Not implemented) Error/i.test(
      text,
    )
  )
    return false;
  return /TransactionContext Error|write-write conflict|Conflict on|conflict|could not serialize|deadlock|IO Error|Connection Error|could not set lock|ECONNRESET|ECONNREFUSED|EPIPE|terminating connection/i.test(
    text,
  );
}

/** The dialect of a target's engine. */
export function dialectOf(kind: 'duckdb' | 'postgres'): Dialect {
  return kind === 'duckdb' ? DUCKDB : POSTGRES;
}
