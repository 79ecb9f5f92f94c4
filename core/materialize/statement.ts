import type { Dialect } from '../engine/dialect.js';
import type { DataTestSpec } from '../project/test-spec.js';

/** What a statement of a step is for. */
export type Purpose =
  /** Transaction control. */
  | 'begin'
  | 'commit'
  /**
   * Other writers kept off the model or window until the step commits (where engines share);
   * fails when another process holds them.
   */
  | 'lock'
  /**
   * Where engines share: what another process built of the step's windows (or relation) since
   * the plan read the ledger, from the same definition and inputs. When it built all of it,
   * the step rolls back and takes that build as its own.
   */
  | 'claim'
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
      readonly purpose: Exclude<Purpose, 'check' | 'test' | 'claim'>;
      readonly sql: string;
      readonly returns?: true;
    }
  | {
      readonly purpose: 'claim';
      readonly sql: string;
      readonly returns: true;
      /** The rows that mean another process built everything the step writes. */
      readonly all: number;
      /** See {@link Claim}. */
      readonly merged?: true;
    }
  | {
      readonly purpose: 'check';
      readonly sql: string;
      readonly returns: true;
      /**
       * What it means when the check's `n` (its first row's) is not zero: duplicate keys, or a
       * merged write whose rows for one window differ from that window's written alone.
       */
      readonly failure: CheckFailure;
      /**
       * `ledger`: the check's rows are windows (`w`, epoch ms) with the count (`c`) and content
       * hash (`h`) of the rows the query gives for each alone; each must equal what the step's
       * ledger statement returned for that window, else `n` is the number that differ.
       */
      readonly against?: 'ledger';
    }
  | {
      readonly purpose: 'test';
      /** The query whose rows are the test's failures. */
      readonly sql: string;
      readonly test: DataTestSpec;
    };

/** What a failed check means (see {@link CheckFailed}). */
export type CheckFailure = 'E_DUPLICATE_KEY' | 'merge differs';

/**
 * The start of a step's transaction: BEGIN, and, on an engine many processes write at once,
 * its locks on `keys` (waiting for them when `wait`, else giving up at once) and the `claim`
 * query that finds what another process built meanwhile.
 */
export function beginStatements(
  dialect: Dialect,
  keys: readonly string[],
  options: { readonly wait?: boolean | undefined; readonly claim?: Claim | undefined } = {},
): Statement[] {
  const statements: Statement[] = [{ purpose: 'begin', sql: 'BEGIN TRANSACTION' }];
  if (dialect.stepLock === undefined) return statements;
  // Sent with the claim in one round trip: a lock another process holds fails the step.
  statements.push({ purpose: 'lock', sql: dialect.stepLock(keys, options.wait ?? false) });
  if (options.claim !== undefined)
    statements.push({ purpose: 'claim', returns: true, ...options.claim });
  return statements;
}

/** The claim query of a step, and how many rows mean it was all built elsewhere. */
export interface Claim {
  readonly sql: string;
  readonly all: number;
  /**
   * Windows merged by adaptive batching: another process built some of them (not all) since
   * the plan: the step gives way (Busy), and its windows are taken one by one later.
   */
  readonly merged?: true;
}

/** `purpose: sql`, for goldens and `etl plan --sql`: one statement per paragraph. */
export function formatStatements(statements: readonly Statement[]): string {
  return statements.map((s) => `-- ${s.purpose}\n${s.sql};`).join('\n');
}
