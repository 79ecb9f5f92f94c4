import type { Window } from '../time/window.js';

/** What a step does to the warehouse. */
export type StepKind = 'seed' | 'view' | 'table' | 'incremental' | 'upsert' | 'swap' | 'discard';

/**
 * One unit of work: one transaction. Plain data: the model's SQL is rendered, and the
 * statements made from it, when the step runs (or when `etl plan --json`/`--sql` prints them),
 * so that a plan of a million windows renders none.
 */
export interface Step {
  /** Stable id and label, e.g. `fct_orders@2024-01-15`. */
  readonly id: string;
  readonly model: string;
  readonly kind: StepKind;
  /** The windows this step writes (incremental: one ledger row each). */
  readonly windows: readonly Window[];
  /** The window the template was rendered with (the span of a batch). */
  readonly renderWindow: Window;
  /** `is_incremental()` as the template saw it. */
  readonly isIncremental: boolean;
  /**
   * Part of a full refresh: the step writes into the model's table built aside (`start`: made
   * anew, dropping what an interrupted refresh left), and a `swap` step swaps it in.
   */
  readonly refresh: 'start' | 'continue' | undefined;
  /** Ids of steps that must succeed first. */
  readonly dependsOn: readonly string[];
  /** Why this step runs: `missing`, `sql changed`, `forced`, `upstream orders ... changed`... */
  readonly reason: string;
  /**
   * Run only if, when its turn comes, its inputs differ from those its windows (or its table)
   * were built from: they are done, but an upstream step of this plan may change what they read.
   */
  readonly conditional: boolean;
}

/** A model or seed the plan leaves alone, and why. */
export interface SkippedNode {
  readonly model: string;
  readonly reason: string;
}

/**
 * How a window to run stands: `missing` (never built), `stale` (to rebuild), `forced` (done,
 * rebuilt because the command forces it or a full refresh), `check` (done; checked after an
 * upstream step of the plan).
 */
export type PlannedState = 'missing' | 'stale' | 'forced' | 'check';

/** Windows of a model rebuilt or checked for one reason. */
export interface WindowReason {
  readonly reason: string;
  readonly state: PlannedState;
  readonly windows: readonly Window[];
}

/** Per incremental model: how its windows in the plan's range stand. */
export interface ModelWindows {
  readonly model: string;
  /** Windows in range (and, beyond it, done windows whose inputs this plan rebuilds). */
  readonly total: number;
  /** Done and current: left alone. */
  readonly done: number;
  /** Never built: to build. */
  readonly missing: number;
  /** Built under another definition or from inputs that changed since: to rebuild. */
  readonly stale: number;
  /** Done, but rebuilt because the command forces it. */
  readonly forced: number;
  /** Done, but an upstream step of this plan may change their inputs: checked after it runs. */
  readonly check: number;
  /** Built under an older definition and accepted under the new one (`--forward-only`). */
  readonly accepted: number;
  /** Done but partial (built before their window closed or with inputs missing). */
  readonly partial: number;
  /** Steps (transactions) the windows to build are grouped into. */
  readonly batches: number;
  /** The span of the windows in range. */
  readonly range: Window;
  /** A full refresh: every window is rebuilt into a table built aside, then swapped in. */
  readonly refresh: boolean;
  /** Why windows are rebuilt or checked. */
  readonly reasons: readonly WindowReason[];
}

/** A model whose windows take a new fingerprint without a rebuild (`--forward-only`). */
export interface Acceptance {
  readonly model: string;
  readonly fingerprint: string;
  /** Ledger rows of older definitions, as fingerprints, that are accepted. */
  readonly from: readonly string[];
  readonly windows: number;
}

/** What a command will do, in dependency order; printable and serialisable. */
export interface Plan {
  readonly command: string;
  readonly steps: readonly Step[];
  readonly skipped: readonly SkippedNode[];
  readonly windows: readonly ModelWindows[];
  /** Written before the steps run (`--forward-only`). */
  readonly accept: readonly Acceptance[];
  /** Things the user should know before it runs (an edited seed left out of the selection). */
  readonly notes?: readonly string[];
}
