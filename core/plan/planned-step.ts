import type { Step } from './plan.js';
import type { Window } from '../time/window.js';

/** A step of a view, table or seed: no windows. */
export function stepOf(
  model: string,
  kind: Step['kind'],
  renderWindow: Window,
  dependsOn: readonly string[],
  reason: string,
): Step {
  return {
    id: model,
    model,
    kind,
    windows: [],
    renderWindow,
    isIncremental: false,
    refresh: undefined,
    dependsOn,
    reason,
    conditional: false,
  };
}

/** The dependencies of a step that has none (shared, so a million steps do not hold one each). */
export const NO_DEPS: readonly string[] = [];
