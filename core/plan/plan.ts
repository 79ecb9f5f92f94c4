import type { Window } from './window.js';

/** What a step does to the warehouse. */
export type StepKind = 'seed' | 'view' | 'table' | 'incremental' | 'upsert';

/** One unit of work: one transaction. */
export interface Step {
  /** Stable id, e.g. `fct_orders@2024-01-15`. */
  readonly id: string;
  readonly model: string;
  readonly kind: StepKind;
  /** The windows this step writes (incremental: one ledger row each). */
  readonly windows: readonly Window[];
  /** The window the template was rendered with (the span of a batch). */
  readonly renderWindow: Window;
  /** Rendered SQL of the model (empty for seeds). */
  readonly sql: string;
  /** `is_incremental()` as the template saw it. */
  readonly isIncremental: boolean;
  /** Drop the model's table (and its ledger rows) before writing. */
  readonly fullRefresh: boolean;
  /** Ids of steps that must succeed first. */
  readonly dependsOn: readonly string[];
  /** Why this step runs: `missing`, `stale`, `forced`, `changed`, `rebuild`, `window`... */
  readonly reason: string;
}

/** A model or seed the plan leaves alone, and why. */
export interface SkippedNode {
  readonly model: string;
  readonly reason: string;
}

/** Per incremental model: how its windows in the plan's range stand. */
export interface ModelWindows {
  readonly model: string;
  /** Windows in range. */
  readonly total: number;
  /** Done under the current fingerprint and left alone. */
  readonly done: number;
  /** Never built: to build. */
  readonly missing: number;
  /** Done under an older fingerprint: to rebuild. */
  readonly stale: number;
  /** Done, but rebuilt because the command forces it. */
  readonly forced: number;
  /** Steps (transactions) the windows to build are grouped into. */
  readonly batches: number;
  /** The span of the windows in range. */
  readonly range: Window;
}

/** What a command will do, in dependency order; printable and serialisable. */
export interface Plan {
  readonly command: string;
  readonly steps: readonly Step[];
  readonly skipped: readonly SkippedNode[];
  readonly windows: readonly ModelWindows[];
}
