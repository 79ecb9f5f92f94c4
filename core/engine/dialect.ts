import type { Grain } from '../time/window.js';

/**
 * What differs in SQL from one engine to another, asked for by the rest of etl: nothing
 * outside core/engine/ writes engine-only SQL for the fragments named here. One object per
 * engine; a connection carries its engine's.
 */
export interface Dialect {
  readonly name: 'duckdb' | 'postgres';
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
   * A boolean expression that is true when `condition` holds and otherwise aborts the statement
   * with an error whose message starts with `message`.
   */
  guard(condition: string, message: string): string;
  /** The rows of `source` (a relation or a subquery) newest per `key` by `order`. */
  newestPerKey(source: string, key: string, order: string): string;
}

/** DuckDB's SQL. */
export const DUCKDB: Dialect = {
  name: 'duckdb',
  epochMs: (timestamp) => `epoch_ms(${timestamp})`,
  windowKey: (expr, grain) => `epoch_ms(date_trunc('${grain}', ${expr}::TIMESTAMP))`,
  rowHashSum: (alias) => `sum(hash(${alias}))`,
  guard: (condition, message) =>
    `CASE WHEN ${condition} THEN true ELSE error('${message.replace(/'/g, "''")}') END`,
  newestPerKey: (source, key, order) =>
    `SELECT * FROM ${source} QUALIFY row_number() OVER (PARTITION BY ${key} ORDER BY ${order} DESC) = 1`,
};
