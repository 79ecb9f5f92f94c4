import { renderModel } from '../compile/compile-project.js';
import type { CompiledGraph } from '../compile/compiled-graph.js';
import { refreshName } from '../state/warehouse-state.js';
import { qualified } from '../util/sql.js';
import type { Step } from './plan.js';

/**
 * The model's query as a step runs it: rendered for the step's window and `is_incremental()`,
 * with `this` naming the table a full refresh builds aside. Empty for steps without a query
 * (seeds, swaps, discards).
 */
export function renderStep(compiled: CompiledGraph, step: Step): string {
  if (step.kind === 'seed' || step.kind === 'swap' || step.kind === 'discard') return '';
  const node = compiled.nodes.get(step.model);
  if (node?.kind !== 'model') throw new Error(`no model named ${step.model}`);
  return renderModel(compiled, node, {
    window: step.renderWindow,
    isIncremental: step.isIncremental,
    ...(step.refresh === undefined
      ? {}
      : { overrides: { self: qualified(node.schema, refreshName(node.name)) } }),
  });
}
