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
  'unique_combination_of_columns',
  'accepted_range',
  'not_empty',
] as const;
/** Built-in kinds, and `custom`: a `{% test name(model, column_name) %}` of the project. */
export type GenericTestKind = (typeof GENERIC_TESTS)[number] | 'custom';

/** A custom generic test: its name, its arguments, and its SQL once compiled. */
export interface CustomTest {
  /** The `{% test NAME(...) %}` name. */
  readonly test: string;
  /** Its arguments from the schema file, besides `column_name`, `severity`, `where`, `config`. */
  readonly args: Readonly<Record<string, unknown>>;
  /** The failing rows' query over `etl_scoped` (set by compile). */
  readonly sql?: string;
  /** Models and seeds it refs (set by compile). */
  readonly refs?: readonly string[];
}

/**
 * Other names of generic tests, as dbt projects spell them. `expression_is_true` differs from
 * `expression` under a column only: as in dbt_utils, its expression follows the column name
 * (`column_name: amount, expression: '>= 0'` tests `amount >= 0`).
 */
export const TEST_ALIASES: Readonly<Record<string, GenericTestKind>> = {
  expression_is_true: 'expression',
  'dbt_utils.expression_is_true': 'expression',
  'dbt_utils.unique_combination_of_columns': 'unique_combination_of_columns',
  'dbt_utils.accepted_range': 'accepted_range',
  'dbt_utils.not_empty': 'not_empty',
};

/** accepted_range's bounds: SQL (a number, or an expression as dbt_utils takes it). */
export interface AcceptedRange {
  readonly min: string | undefined;
  readonly max: string | undefined;
  /** The bounds themselves are accepted (default true). */
  readonly inclusive: boolean;
}

/** accepted_range's bounds in words, e.g. `>= 0, <= 100` (with `join` `, `). */
export function describeRange(range: AcceptedRange, join: string): string {
  const eq = range.inclusive ? '=' : '';
  return [
    range.min === undefined ? '' : `>${eq} ${range.min}`,
    range.max === undefined ? '' : `<${eq} ${range.max}`,
  ]
    .filter((b) => b !== '')
    .join(join);
}

/**
 * A generic data test on a model (or one of its columns). Each kind sets the fields it takes;
 * a later kind (e.g. a custom test: a macro and its arguments) adds its own.
 */
export interface DataTestSpec {
  readonly kind: GenericTestKind;
  readonly model: string;
  /** The column of a column test. */
  readonly column: string | undefined;
  /**
   * Model-level `unique` (rows with a NULL in them are left out) and
   * unique_combination_of_columns (NULLs count as values, as in dbt_utils): the columns whose
   * combination must be unique.
   */
  readonly columns: readonly string[] | undefined;
  /** accepted_values */
  readonly values: readonly unknown[] | undefined;
  /** relationships: the model (or seed) and its column every value must exist in. */
  readonly to: string | undefined;
  readonly field: string | undefined;
  /** expression: a boolean SQL expression no row may make false (NULL passes). */
  readonly expression: string | undefined;
  /** accepted_range */
  readonly range: AcceptedRange | undefined;
  /** A custom generic test. */
  readonly custom?: CustomTest;
  readonly severity: Severity;
  /** Only rows meeting this SQL condition are tested. */
  readonly where: string | undefined;
  readonly location: SourceLocation;
  /** e.g. `not_null(fct_orders.order_id)` */
  readonly name: string;
}

/**
 * The models and seeds a data test reads besides its own model. A test that reads none runs
 * in its model's write transaction; the others run once the run has built what they read.
 */
export function otherRelationsRead(test: DataTestSpec): readonly string[] {
  if (test.kind === 'custom') return (test.custom?.refs ?? []).filter((r) => r !== test.model);
  return test.kind === 'relationships' && test.to !== undefined && test.to !== test.model
    ? [test.to]
    : [];
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
