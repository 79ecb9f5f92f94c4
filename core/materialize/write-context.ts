import type { Column, Connection } from '../engine/adapter.js';
import type { CompiledModel } from '../compile/compiled-graph.js';
import type { Step } from '../plan/plan.js';
import type { Window } from '../time/window.js';
import { qualified } from '../util/sql.js';
import { PARTITIONS, REFRESHING } from '../state/ledger.js';
import { refreshName } from '../state/warehouse-state.js';
import type { TestResult } from '../testing/test-result.js';
import type { DataTests } from './test-statements.js';

/** What a materialization needs to write one step. */
export interface WriteContext {
  readonly conn: Connection;
  readonly runId: string;
  /** The clock, injectable so that golden SQL is stable. */
  readonly now: () => number;
  /**
   * The data tests of the models, run inside each write transaction just before COMMIT on the
   * rows written; an error-severity test that fails rolls the step back. None when undefined.
   */
  readonly tests?: DataTests;
  /** Columns described during this run (of model queries and tables), shared by workers. */
  readonly cache?: Map<string, readonly Column[]>;
  /**
   * Where many processes write at once: wait for the step's locks (a step tried before and
   * found another process building it), instead of giving up at once.
   */
  readonly wait?: boolean;
  /** Run `work` alone among the steps of this run that lock the same key. */
  readonly exclusively?: <T>(key: string, work: () => Promise<T>) => Promise<T>;
}

/** What a window read, for its ledger row. */
export interface WindowInputs {
  /** Hash of the data versions of its inputs. */
  readonly version: string;
  /** Start of the input range the version covers. */
  readonly inputStart: number;
  /** Why it is partial (`open`, `inputs missing`), if it is. */
  readonly partial: string | undefined;
  /** The commit order (seq) of its ledger row when planned; 0 when it had none. */
  readonly seen: number;
}

/** What a step's statements say besides its model: who writes, when, and what is tested. */
export interface StepMeta {
  readonly runId: string;
  /** When the step's rows are recorded as written (epoch ms). */
  readonly now: number;
  readonly tests: DataTests | undefined;
  /** Wait for the step's locks where engines share (see {@link WriteContext.wait}). */
  readonly wait?: boolean | undefined;
}

/** A model step with its compiled model and what it reads. */
export interface ModelWrite {
  readonly step: Step;
  readonly model: CompiledModel;
  /** The model's query as the step renders it. */
  readonly sql: string;
  /** Window steps: what each window read, by window start. */
  readonly inputs?: ReadonlyMap<number, WindowInputs>;
  /** Table steps: the version of everything the table read. */
  readonly inputVersion?: string;
  /** View and table steps: the commit order (seq) of the build the plan saw; 0: none. */
  readonly seen?: number;
  /** Upsert steps: the content hash of the table before the step (undefined: unknown). */
  readonly tableHash?: string;
  /**
   * Windows merged by adaptive batching: some of them (the first and the last) rendered alone.
   * The rows the merged query wrote in each must be the rows it gives alone, or the step fails
   * (CheckFailed `merge differs`) and the windows are written one by one.
   */
  readonly samples?: readonly { readonly window: Window; readonly sql: string }[];
}

/** Rows written per window of a step, and the data tests that ran on them. */
export interface WriteResult {
  readonly rows: number;
  readonly windows: readonly {
    readonly window: Window;
    readonly rows: number;
    readonly contentHash: string;
    /** Why the window is partial, if it is. */
    readonly partial?: string | undefined;
  }[];
  /** The content hash of the whole relation afterwards (tables, upserts). */
  readonly contentHash?: string;
  readonly tests?: readonly TestResult[];
}

/** Where a step writes: the model's relation, or the table a full refresh builds aside. */
export interface WriteTarget {
  readonly schema: string;
  readonly name: string;
  readonly relation: string;
  /** The ledger table of its windows. */
  readonly ledger: string;
}

/** The relation a step writes and the ledger its windows go to. */
export function writeTarget(step: Step, model: CompiledModel): WriteTarget {
  if (step.refresh === undefined)
    return { schema: model.schema, name: model.name, relation: model.relation, ledger: PARTITIONS };
  const name = refreshName(model.name);
  return {
    schema: model.schema,
    name,
    relation: qualified(model.schema, name),
    ledger: REFRESHING,
  };
}
