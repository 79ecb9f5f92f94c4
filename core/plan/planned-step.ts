import type { Step } from './plan.js';
import type { Window } from '../time/window.js';

/** A step of a view, table or seed: no windows, rendered when planned. */
export function stepOf(
  model: string,
  kind: Step['kind'],
  renderWindow: Window,
  sql: string,
  dependsOn: readonly string[],
  reason: string,
): Step {
  return {
    id: model,
    model,
    kind,
    windows: [],
    renderWindow,
    sql,
    isIncremental: false,
    refresh: undefined,
    dependsOn,
    reason,
    conditional: false,
  };
}

/** The dependencies of a step that has none (shared, so a million steps do not hold one each). */
export const NO_DEPS: readonly string[] = [];

/**
 * A window step whose SQL is rendered when first read, so that planning a million windows
 * renders none of them; the renderer is shared by a model's steps.
 */
export class PlannedStep implements Step {
  #sql: string | undefined;
  constructor(
    readonly id: string,
    readonly model: string,
    readonly kind: Step['kind'],
    readonly windows: readonly Window[],
    readonly renderWindow: Window,
    readonly isIncremental: boolean,
    readonly refresh: Step['refresh'],
    readonly dependsOn: readonly string[],
    readonly reason: string,
    readonly conditional: boolean,
    private readonly source: string | ((window: Window, isIncremental: boolean) => string),
  ) {
    if (typeof source === 'string') this.#sql = source;
  }

  get sql(): string {
    if (this.#sql === undefined && typeof this.source === 'function')
      this.#sql = this.source(this.renderWindow, this.isIncremental);
    return this.#sql ?? '';
  }
}
