import type { Dialect } from '../engine/dialect.js';
import type { DataTestSpec } from '../project/test-spec.js';

/** What a statement of a step is for. */
export type Purpose =
  /** Transaction control. */
  | 'begin'
  | 'commit'
  /** Other writers kept off the model or window until the step commits (where engines share). */
  | 'lock'
  /** A schema to write into. */
  | 'schema'
  /** A relation created, empty or built whole (`CREATE TABLE ... AS`). */
  | 'create'
  /** A relation dropped: replaced, or what an interrupted refresh left. */
  | 'drop'
  /** A built relation renamed into place. */
  | 'swap'
  /** The query's rows staged before anything is deleted (upserts). */
  | 'stage'
  /** A check that must find nothing, or the step fails (duplicate keys). */
  | 'check'
  /** Rows of the windows (or keys) about to be rewritten, deleted. */
  | 'delete'
  /** The query's rows written. */
  | 'insert'
  /** Row counts and content hashes kept for the ledger. */
  | 'hash'
  /** The ledger rows of the windows written, returning their counts and hashes. */
  | 'ledger'
  /** The build record of a view, table, seed or upserted table, returning its count and hash. */
  | 'record'
  /** A data test of the rows written, inside the transaction. */
  | 'test'
  /** Temporary relations dropped. */
  | 'cleanup';

/**
 * One statement of a step, with its purpose. A statement with `returns` is a query whose rows
 * the step reads back (ledger rows, build records, checks); a `test` statement counts a data
 * test's failing rows. A step is an ordered list of them: the executor runs them in order on
 * one connection, and a failure anywhere rolls the step back.
 */
export type Statement =
  | {
      readonly purpose: Exclude<Purpose, 'check' | 'test'>;
      readonly sql: string;
      readonly returns?: true;
    }
  | {
      readonly purpose: 'check';
      readonly sql: string;
      readonly returns: true;
      /** The error when the check's `n` (its first row's) is not zero. */
      readonly failure: 'E_DUPLICATE_KEY';
    }
  | {
      readonly purpose: 'test';
      /** The query whose rows are the test's failures. */
      readonly sql: string;
      readonly test: DataTestSpec;
    };

/** The start of a step's transaction: BEGIN, and the engine's locks on `keys` if it takes any. */
export function beginStatements(dialect: Dialect, keys: readonly string[]): Statement[] {
  const locks = keys.map((key) => dialect.stepLock(key)).filter((l) => l !== undefined);
  return [
    { purpose: 'begin', sql: 'BEGIN TRANSACTION' },
    ...locks.map((sql) => ({ purpose: 'lock' as const, sql })),
  ];
}

/** `purpose: sql`, for goldens and `etl plan --sql`: one statement per paragraph. */
export function formatStatements(statements: readonly Statement[]): string {
  return statements.map((s) => `-- ${s.purpose}\n${s.sql};`).join('\n');
}
