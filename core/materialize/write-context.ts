import type { Column, Connection } from '../engine/adapter.js';
import type { CompiledModel } from '../compile/compiled-graph.js';
import type { Step } from '../plan/plan.js';
import type { Window } from '../plan/window.js';
import type { ModelBuildRecord } from '../state/ledger.js';
import type { TestResult } from '../testing/test-result.js';
import type { Verifier } from '../testing/verify.js';

/** What a materialization needs to write one step. */
export interface WriteContext {
  readonly conn: Connection;
  readonly runId: string;
  /** The clock, injectable so that golden SQL is stable. */
  readonly now: () => number;
  /**
   * The model's data tests, run inside the write transaction just before COMMIT on the rows
   * in `scope` (a SQL condition; all rows when undefined). Throws when an error-severity test
   * fails, which rolls the step back.
   */
  readonly verify?: Verifier;
  /** Columns described during this run (of model queries and tables), shared by workers. */
  readonly cache?: Map<string, readonly Column[]>;
}

/** A model step with its compiled model. */
export interface ModelWrite {
  readonly step: Step;
  readonly model: CompiledModel;
}

/** Rows written per window of a step, and the data tests that ran on them. */
export interface WriteResult {
  readonly rows: number;
  readonly windows: readonly { readonly window: Window; readonly rows: number }[];
  readonly tests?: readonly TestResult[];
}

/** The record of a view or table build, so that `run` can tell a changed definition. */
export function modelRecord(
  ctx: WriteContext,
  { model }: ModelWrite,
  rows: number,
): ModelBuildRecord {
  return {
    model: model.name,
    materialized: model.config.materialized,
    fingerprint: model.fingerprint,
    rowCount: rows,
    runId: ctx.runId,
    builtAt: ctx.now(),
  };
}
