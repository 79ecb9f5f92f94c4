import type { CompiledGraph, CompiledModel } from '../compile/compiled-graph.js';
import type { DataTestSpec } from '../project/test-spec.js';
import { failingRowsSql } from '../testing/data-test-sql.js';
import { relationResolver } from '../testing/build-verifier.js';
import type { Statement } from './statement.js';

/** The data tests of a project's models, as a build runs them. */
export interface DataTests {
  /** The tests of a model (none: empty). */
  readonly of: (model: string) => readonly DataTestSpec[];
  /** The relation of a model or seed, for tests that read another one. */
  readonly relationOf: (name: string) => string;
}

/** The data tests of a compiled project, by model. */
export function dataTestsOf(compiled: CompiledGraph): DataTests {
  const byModel = new Map<string, DataTestSpec[]>();
  for (const test of compiled.tests)
    byModel.set(test.model, [...(byModel.get(test.model) ?? []), test]);
  return {
    of: (model) => byModel.get(model) ?? [],
    relationOf: relationResolver(compiled),
  };
}

/** A model's data tests over the rows meeting `scope` (all rows when undefined). */
export function testStatements(
  tests: DataTests,
  model: CompiledModel,
  scope: string | undefined,
): Statement[] {
  return tests.of(model.name).map((test) => ({
    purpose: 'test',
    sql: failingRowsSql(test, model.relation, tests.relationOf, scope),
    test,
  }));
}
