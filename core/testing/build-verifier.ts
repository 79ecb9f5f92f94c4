import { WindowError } from '../errors.js';
import type { Connection } from '../engine/adapter.js';
import type { CompiledGraph, CompiledModel } from '../compile/compiled-graph.js';
import type { DataTestSpec } from '../project/test-spec.js';
import type { TestResult } from './test-result.js';
import { runDataTests } from './run-data-tests.js';

/** The relation of a node by name (models and seeds). */
export function relationResolver(compiled: CompiledGraph): (name: string) => string {
  return (name) => {
    const node = compiled.nodes.get(name);
    if (!node) throw new Error(`unknown model or seed '${name}'`);
    return node.relation;
  };
}

/**
 * The data tests a build runs after writing a model: on `conn`, inside the write transaction.
 * A failing error-severity test (or one that cannot run) throws, which rolls the step back;
 * warnings are returned with the passes.
 */
export function buildVerifier(compiled: CompiledGraph, conn: Connection): Verifier {
  const byModel = new Map<string, DataTestSpec[]>();
  for (const test of compiled.tests)
    byModel.set(test.model, [...(byModel.get(test.model) ?? []), test]);
  const relationOf = relationResolver(compiled);
  const verify = async (model: CompiledModel, scope: string | undefined): Promise<TestResult[]> => {
    const tests = byModel.get(model.name) ?? [];
    if (tests.length === 0) return [];
    const results = await runDataTests(conn, tests, relationOf, scope);
    const failed = results.filter((r) => r.status === 'fail' || r.status === 'error');
    if (failed.length > 0)
      throw new WindowError(
        'E_TEST_FAILED',
        `model '${model.name}': ${failed.length} data test${failed.length === 1 ? '' : 's'} failed, nothing was written: ${failed
          .map((r) => `${r.name}: ${r.message ?? r.status}`)
          .join('; ')}`,
        {
          model: model.name,
          hint: 'fix the model or its data; a test with severity: warn only reports; --no-test skips tests',
        },
      );
    return results;
  };
  return Object.assign(verify, { models: new Set(byModel.keys()) });
}

/** Runs a model's data tests; `models` are those that have any. */
export type Verifier = ((
  model: CompiledModel,
  scope: string | undefined,
) => Promise<TestResult[]>) & {
  readonly models: ReadonlySet<string>;
};
