import type { CompiledGraph, CompiledModel } from '../compile/compiled-graph.js';
import { otherRelationsRead, type DataTestSpec } from '../project/test-spec.js';
import { failingRowsSql } from '../testing/data-test-sql.js';
import { relationResolver } from '../testing/build-verifier.js';
import type { Statement } from './statement.js';

/** The data tests of a project's models, as a build runs them. */
export interface DataTests {
  /**
   * The tests of a model that read only the model itself: they run in its write transaction,
   * on the rows written (none: empty).
   */
  readonly of: (model: string) => readonly DataTestSpec[];
  /**
   * The tests of a model that read other models too (relationships): they run once the run
   * has built everything they read, after the steps (none: empty).
   */
  readonly after: (model: string) => readonly DataTestSpec[];
  /** The relation of a model or seed, for tests that read another one. */
  readonly relationOf: (name: string) => string;
}

/** The data tests of a compiled project, by model and by when they run. */
export function dataTestsOf(compiled: CompiledGraph): DataTests {
  const inside = new Map<string, DataTestSpec[]>();
  const after = new Map<string, DataTestSpec[]>();
  for (const test of compiled.tests) {
    const byModel = otherRelationsRead(test).length === 0 ? inside : after;
    byModel.set(test.model, [...(byModel.get(test.model) ?? []), test]);
  }
  return {
    of: (model) => inside.get(model) ?? [],
    after: (model) => after.get(model) ?? [],
    relationOf: relationResolver(compiled),
  };
}

/**
 * A model's in-transaction data tests over the rows meeting `scope` (all rows when undefined).
 * `not_empty` takes the scope of a window (each window written must have rows), not of an
 * upsert's keys: an upsert that changes no key leaves a table that still has its rows.
 */
export function testStatements(
  tests: DataTests,
  model: CompiledModel,
  scope: string | undefined,
): Statement[] {
  const windowed =
    model.config.materialized === 'incremental' && model.config.uniqueKey === undefined;
  return tests.of(model.name).map((test) => ({
    purpose: 'test',
    sql: failingRowsSql(
      test,
      model.relation,
      tests.relationOf,
      test.kind === 'not_empty' && !windowed ? undefined : scope,
    ),
    test,
  }));
}
