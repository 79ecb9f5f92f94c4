import type { SourceLocation } from '../errors.js';

/** How bad a failing data test is: `error` fails the model, `warn` only reports. */
export type Severity = 'error' | 'warn';

/** The generic data tests. */
export const GENERIC_TESTS = [
  'not_null',
  'unique',
  'accepted_values',
  'relationships',
  'expression',
] as const;
export type GenericTestKind = (typeof GENERIC_TESTS)[number];

/** A generic data test on a model (or one of its columns). */
export interface DataTestSpec {
  readonly kind: GenericTestKind;
  readonly model: string;
  /** The column of a column test. */
  readonly column: string | undefined;
  /** Model-level `unique`: the combination of columns that must be unique. */
  readonly columns: readonly string[] | undefined;
  /** accepted_values */
  readonly values: readonly unknown[] | undefined;
  /** relationships: the model (or seed) and its column every value must exist in. */
  readonly to: string | undefined;
  readonly field: string | undefined;
  /** expression: a boolean SQL expression every row must meet. */
  readonly expression: string | undefined;
  readonly severity: Severity;
  /** Only rows meeting this SQL condition are tested. */
  readonly where: string | undefined;
  readonly location: SourceLocation;
  /** e.g. `not_null(fct_orders.order_id)` */
  readonly name: string;
}

/** Where a unit test's fixture comes from. */
export type FixtureData =
  | { readonly rows: readonly Record<string, unknown>[] }
  | { readonly csv: string }
  | { readonly seed: string };

/** One input of a unit test: a ref, a source or `this`, replaced by fixture rows. */
export interface FixtureInput {
  readonly input:
    | { readonly kind: 'ref'; readonly name: string }
    | { readonly kind: 'source'; readonly group: string; readonly name: string }
    | { readonly kind: 'this' };
  readonly data: FixtureData;
  readonly location: SourceLocation;
}

/** A unit test: a model rendered over fixtures, its rows compared with the expected ones. */
export interface UnitTestSpec {
  readonly name: string;
  readonly model: string;
  /** An instant inside the window to render (incremental models); default: the model's start. */
  readonly at: number | undefined;
  readonly isIncremental: boolean;
  readonly given: readonly FixtureInput[];
  readonly expect: FixtureData;
  readonly description: string | undefined;
  readonly location: SourceLocation;
}

/** Documentation of a model from a schema file. */
export interface ModelDoc {
  readonly name: string;
  readonly description: string | undefined;
  readonly columns: readonly { readonly name: string; readonly description: string | undefined }[];
  readonly location: SourceLocation;
}

/** A singular test: a SQL file (tests/*.sql) whose rows are the failures. */
export interface SingularTestFile {
  readonly name: string;
  readonly file: string;
  readonly text: string;
}
