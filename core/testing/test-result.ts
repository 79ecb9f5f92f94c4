/** The outcome of one test. */
export interface TestResult {
  /** e.g. `not_null(fct_orders.order_id)`, a unit test's name, a singular test's file name. */
  readonly name: string;
  readonly type: 'data' | 'unit' | 'singular';
  readonly model: string | undefined;
  /** `pass`; `fail` (error severity); `warn` (a failing warn-severity test); `error` (could not run). */
  readonly status: 'pass' | 'fail' | 'warn' | 'error';
  /** Failing rows (data tests) or differing rows (unit tests). */
  readonly failures: number;
  /** Why it failed: a sample of failing rows, a row diff, or the error. */
  readonly message: string | undefined;
  readonly durationMs: number;
}
