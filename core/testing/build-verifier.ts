import { WindowError } from '../errors.js';
import type { CompiledGraph } from '../compile/compiled-graph.js';
import type { TestResult } from './test-result.js';

/** The relation of a node by name (models and seeds). */
export function relationResolver(compiled: CompiledGraph): (name: string) => string {
  return (name) => {
    const node = compiled.nodes.get(name);
    if (!node) throw new Error(`unknown model or seed '${name}'`);
    return node.relation;
  };
}

/**
 * The error that rolls a step back when its data tests of error severity failed (or could not
 * run), or undefined when none did; warnings only report.
 */
export function failedTestsError(
  model: string,
  results: readonly TestResult[],
): WindowError | undefined {
  const failed = results.filter((r) => r.status === 'fail' || r.status === 'error');
  if (failed.length === 0) return undefined;
  return new WindowError(
    'E_TEST_FAILED',
    `model '${model}': ${failed.length} data test${failed.length === 1 ? '' : 's'} failed, nothing was written: ${failed
      .map((r) => `${r.name}: ${r.message ?? r.status}`)
      .join('; ')}`,
    {
      model,
      hint: 'fix the model or its data; a test with severity: warn only reports; --no-test skips tests',
    },
  );
}
