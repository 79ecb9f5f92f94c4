import { EtlError, WindowError, environmentError, errorMessage } from '../errors.js';
import type { Column, Connection, Engine } from '../engine/adapter.js';
import type { CompiledGraph, CompiledSeed } from '../compile/compiled-graph.js';
import type { Plan, Step } from '../plan/plan.js';
import { writeView } from '../materialize/view.js';
import { writeTable } from '../materialize/table.js';
import { writeIncremental } from '../materialize/incremental.js';
import { writeUpsert } from '../materialize/upsert.js';
import { discardRefresh, writeSwap } from '../materialize/swap-refresh.js';
import { loadSeeds } from '../materialize/seed.js';
import type { ModelWrite, WriteContext, WriteResult } from '../materialize/write-context.js';
import { insertFailureSql } from '../state/run-log.js';
import type { WarehouseState } from '../state/warehouse-state.js';
import { DataVersions } from '../plan/data-versions.js';
import { StepInputs } from './step-inputs.js';
import type { StepResult } from './run-summary.js';
import type { Reporter, StepBatch } from './reporter.js';
import { runDag } from './run-dag.js';
import { runAfterBuildTests } from './after-build-tests.js';
import { dataTestsOf, type DataTests } from '../materialize/test-statements.js';
import { DEFAULT_RETRY, RetryExhausted, withRetries, type RetryPolicy } from './retry.js';
import { EMPTY_STATE } from '../state/warehouse-state.js';
import { Busy, BuiltElsewhere } from '../materialize/claim.js';
import { formatTimestamp, mergeWindows } from '../time/window.js';
import { renderStep } from '../plan/render-step.js';
import { CheckFailed } from '../materialize/run-statements.js';
import { BatchSizer, mergeBlocker } from './adaptive-batch.js';

/** Inputs of {@link executePlan}. */
export interface ExecuteOptions {
  readonly compiled: CompiledGraph;
  readonly engine: Engine;
  /** A connection for seeds and bookkeeping; workers open their own. */
  readonly conn: Connection;
  readonly runId: string;
  readonly now: () => number;
  readonly reporter: Reporter;
  /** Hash of each seed file, for the seed records. */
  readonly seedHashes: ReadonlyMap<string, string>;
  /** Steps run at once (one connection each); default 1. */
  readonly threads?: number;
  readonly retry?: RetryPolicy;
  readonly failFast?: boolean;
  /** Aborted: start no more steps (Ctrl-C); running ones commit or roll back whole. */
  readonly signal?: AbortSignal;
  /**
   * Run each model's data tests (default true): inside its write transaction, or, for those
   * that read other models, after the steps.
   */
  readonly runTests?: boolean;
  /** The warehouse as planned from: conditional steps compare with its ledger. */
  readonly state?: WarehouseState;
  /** The data versions the plan was made with; this run's writes update them. */
  readonly versions?: DataVersions;
  /**
   * Merge consecutive one-window steps of models without a batch_size into one transaction as
   * the run goes, sized by how long writes take (see adaptive-batch.ts); a merged write that
   * fails is written again window by window. Default false (a run with --batch-size).
   */
  readonly adaptive?: boolean;
}

/**
 * Run a plan: seeds first (all in one transaction), then the DAG of steps on `threads`
 * connections, one transaction per step. A step whose dependency did not succeed is
 * `upstream_failed`; independent steps go on (unless failFast). Transient errors are retried
 * with backoff. A seed that cannot be loaded is bad input: it stops the run with its error.
 */
export async function executePlan(plan: Plan, options: ExecuteOptions): Promise<StepResult[]> {
  const { reporter } = options;
  reporter.planned?.(plan);
  try {
    return await executeSteps(plan, options);
  } finally {
    reporter.finished?.();
  }
}

async function executeSteps(plan: Plan, options: ExecuteOptions): Promise<StepResult[]> {
  const state = options.state ?? EMPTY_STATE;
  const run: Run = {
    options,
    results: new Map<string, StepResult>(),
    separate: new Set<string>(),
    blockers: new Map(),
    told: new Set(),
    stepsOf: new Map(),
    tests: dataTestsOf(options.compiled),
    inputs: new StepInputs(
      options.compiled,
      state,
      options.versions ?? new DataVersions(options.compiled, state, options.seedHashes),
      options.now,
    ),
  };
  for (const s of plan.steps) run.stepsOf.set(s.model, (run.stepsOf.get(s.model) ?? 0) + 1);
  await loadSeedSteps(
    run,
    plan.steps.filter((s) => s.kind === 'seed'),
  );
  await runSteps(
    run,
    plan.steps.filter((s) => s.kind !== 'seed'),
  );
  if (options.runTests !== false) await testAfterBuild(run, plan.steps);
  return plan.steps
    .map((s) => run.results.get(s.id))
    .filter((r): r is StepResult => r !== undefined);
}

/**
 * The data tests that read other models, once every step is done (see runAfterBuildTests);
 * each model's results go with its last step written, and what did not pass is told.
 */
async function testAfterBuild(run: Run, steps: readonly Step[]): Promise<void> {
  const { compiled, conn, reporter } = run.options;
  const results = steps
    .map((s) => run.results.get(s.id))
    .filter((r): r is StepResult => r !== undefined);
  // Without the warehouse they could only fail again for that reason.
  if (results.some((r) => r.error?.code === 'E_CONNECTION_LOST')) return;
  const checked = await runAfterBuildTests(results, {
    compiled,
    conn,
    tests: dataTestsOf(compiled),
    info: (m) => reporter.info(m),
  });
  for (const [id, checks] of checked) {
    const result = run.results.get(id);
    if (result !== undefined) run.results.set(id, { ...result, checks });
    for (const t of checks)
      if (t.status !== 'pass')
        reporter.info(
          `  ${t.status === 'warn' ? 'WARN' : 'FAIL'} ${t.name} (after the build): ${t.message ?? t.status}`,
        );
  }
}

/** A run under way: its options, what each step read, and the results so far. */
interface Run {
  readonly options: ExecuteOptions;
  readonly results: Map<string, StepResult>;
  readonly inputs: StepInputs;
  /** Models whose windows merged gave other rows than alone: written one by one. */
  readonly separate: Set<string>;
  /** Why a model (by model, is_incremental(), refresh) is not merged; undefined: it is. */
  readonly blockers: Map<string, string | undefined>;
  /** Models whose not being merged was said. */
  readonly told: Set<string>;
  /** The number of steps of each model in the plan. */
  readonly stepsOf: Map<string, number>;
  readonly tests: DataTests;
}

/** Seeds first, all in one transaction on the main connection. */
async function loadSeedSteps(run: Run, seedSteps: readonly Step[]): Promise<void> {
  const { compiled, conn, reporter, seedHashes } = run.options;
  if (seedSteps.length === 0) return;
  // Interrupted before it began (Ctrl-C while it compiled or planned): nothing starts.
  if (run.options.signal?.aborted) {
    for (const step of seedSteps) finishStep(run, skipped(step, 'cancelled', 'interrupted'));
    return;
  }
  const started = performance.now();
  const startedAt = Date.now();
  for (const step of seedSteps) reporter.stepStarted(step);
  const counts = await loadSeeds(
    { conn, runId: run.options.runId, now: run.options.now },
    seedSteps.map((step) => ({
      seed: compiled.nodes.get(step.model) as CompiledSeed,
      fileHash: seedHashes.get(step.model) ?? '',
      seen: run.options.state?.seeds.get(step.model)?.seq ?? 0,
    })),
  );
  const durationMs = (performance.now() - started) / seedSteps.length;
  // One transaction loads them all: each seed is shown as its share of it, one after another.
  seedSteps.forEach((step, i) =>
    finishStep(run, {
      step,
      status: 'success',
      rows: counts.get(step.model) ?? 0,
      windows: [],
      error: undefined,
      durationMs,
      startedAt: startedAt + i * durationMs,
      thread: 1,
      attempts: 1,
    }),
  );
}

/** The DAG of the other steps on `threads` connections, one transaction per step. */
async function runSteps(run: Run, work: readonly Step[]): Promise<void> {
  const { options } = run;
  const threads = Math.max(1, Math.min(options.threads ?? 1, work.length));
  const connections: Connection[] = [options.conn];
  try {
    for (let i = 1; i < threads; i++) connections.push(await options.engine.connect());
    const shared = {
      runId: options.runId,
      now: options.now,
      cache: new Map<string, readonly Column[]>(),
      exclusively: keyedLock(),
      ...(options.runTests === false ? {} : { tests: dataTestsOf(options.compiled) }),
    };
    const sizer = new BatchSizer();
    const merges = (step: Step): boolean => options.adaptive === true && mergeable(run, step);
    await runDag(
      work.map((step) => ({
        id: step.id,
        dependsOn: step.dependsOn.filter((d) => !run.results.has(d)),
        step,
      })),
      {
        concurrency: threads,
        failFast: options.failFast ?? false,
        ...(options.signal === undefined ? {} : { abort: options.signal }),
        exclusive: (a, b) => a.step.model === b.step.model && overlaps(a.step, b.step),
        run: ({ step }, worker, again) =>
          runStep(run, step, { ...shared, conn: connections[worker]!, wait: again }, worker + 1),
        group: {
          limit: ({ step }) => (merges(step) ? sizer.limit(step.model) : 0),
          joins: ({ step: a }, { step: b }) => merges(b) && b.model === a.model && follows(a, b),
          run: (tasks, worker) =>
            runMerged(
              run,
              tasks.map((t) => t.step),
              { ...shared, conn: connections[worker]!, wait: false },
              { thread: worker + 1, sizer },
            ),
        },
        onSkip: ({ step }, outcome, cause) => finishStep(run, skipped(step, outcome, cause)),
      },
    );
  } finally {
    for (const c of connections.slice(1)) await c.close();
  }
}

/** Run `work` alone among the calls that lock the same key (schema changes of a table). */
function keyedLock(): <T>(key: string, work: () => Promise<T>) => Promise<T> {
  const locks = new Map<string, Promise<unknown>>();
  return <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const next = (locks.get(key) ?? Promise.resolve()).then(work, work);
    locks.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  };
}

/**
 * One step: its write worked out when its turn comes (a conditional step whose inputs did not
 * change is `unchanged`), written with retries of transient errors; a failure is recorded.
 * Returns whether it succeeded, for the steps after it, or `later` when another process is
 * building it (where many write one warehouse): it is tried again, waiting its turn, once this
 * run has nothing else to do. A step another process built meanwhile from the same inputs is
 * `unchanged`, its build taken as this run's.
 */
async function runStep(
  run: Run,
  step: Step,
  ctx: WriteContext,
  thread: number,
  told = false,
): Promise<boolean | 'later' | 'halt'> {
  const { reporter } = run.options;
  if (!told) reporter.stepStarted(step);
  const started = performance.now();
  const startedAt = Date.now();
  const elapsed = (): number => performance.now() - started;
  // This step's results carry when it started and on which thread.
  const finish = (r: Run, result: StepResult): void =>
    finishStep(r, { ...result, startedAt, thread });
  let sql: string | undefined;
  try {
    const write = run.inputs.of(step);
    sql = write?.sql;
    if (write === undefined) {
      // A conditional step whose inputs did not change: its windows stay as they are.
      finish(run, { ...nothing(step), status: 'unchanged', durationMs: elapsed(), attempts: 0 });
      return true;
    }
    const { value, attempts } = await withRetries(
      run.options.retry ?? DEFAULT_RETRY,
      (error) => ctx.conn.dialect.isTransient(error),
      () => writeStep(ctx, write),
      (error, attempt, delay) => reporter.retrying?.(step, attempt, delay, errorMessage(error)),
    );
    run.inputs.written(step, value);
    finish(run, {
      step,
      status: 'success',
      ...value,
      error: undefined,
      durationMs: elapsed(),
      attempts,
    });
    return true;
  } catch (error) {
    const attempts = error instanceof RetryExhausted ? error.attempts : 1;
    const cause = error instanceof RetryExhausted ? error.cause : error;
    if (cause instanceof Busy) return 'later';
    if (cause instanceof BuiltElsewhere) {
      const taken = builtElsewhere(step, cause);
      run.inputs.written(step, taken);
      finish(run, {
        ...nothing(step),
        status: 'unchanged',
        builtBy: String(cause.rows[0]?.run_id ?? ''),
        durationMs: elapsed(),
        attempts,
      });
      return true;
    }
    const failed = asStepError(step, cause, sql);
    await recordFailure(ctx, step, failed);
    finish(run, {
      ...nothing(step),
      status: 'failed',
      error: failed,
      durationMs: elapsed(),
      attempts,
    });
    // Without the warehouse no other step can run: the run stops here.
    return failed.code === 'E_CONNECTION_LOST' ? 'halt' : false;
  }
}

/**
 * A step the run may merge with the next ones of its model: one window of an incremental model
 * by time whose batch_size is not set, written whatever its inputs (a conditional step may
 * not be), whose merged windows gave the rows they give alone so far in this run. (Upserts
 * and models that read their own table depend on the window before: never ready together.)
 */
function mergeable(run: Run, step: Step): boolean {
  if (step.kind !== 'incremental') return false;
  if (step.windows.length !== 1 || step.conditional) return false;
  if (run.separate.has(step.model)) return false;
  const model = run.options.compiled.nodes.get(step.model);
  if (model?.kind !== 'model' || model.config.batchSize !== undefined) return false;
  const key = `${step.model}|${step.isIncremental ? 1 : 0}|${step.refresh ?? ''}`;
  if (!run.blockers.has(key)) {
    const blocker = blockerOf(run, step);
    run.blockers.set(key, blocker);
    // Said once, where it costs: a model with many windows to write.
    if (blocker !== undefined && (run.stepsOf.get(step.model) ?? 0) >= 8 && !told(run, step))
      run.options.reporter.info(
        `  ${step.model}: windows written one a transaction (not merged): ${blocker}; set batch_size to merge them anyway`,
      );
  }
  return run.blockers.get(key) === undefined;
}

/** Whether why `step`'s model is not merged was said already (and, from now on, that it was). */
function told(run: Run, step: Step): boolean {
  if (run.told.has(step.model)) return true;
  run.told.add(step.model);
  return false;
}

/** Why a model's windows may not be merged (see mergeBlocker), from a render of `step`. */
function blockerOf(run: Run, step: Step): string | undefined {
  const model = run.options.compiled.nodes.get(step.model);
  if (model?.kind !== 'model') return 'not a model';
  let sql: string;
  try {
    sql = renderStep(run.options.compiled, step);
  } catch {
    // A template error is the step's own, told when it runs alone.
    return 'its template fails to render';
  }
  const literal = (ms: number): string => `TIMESTAMP '${formatTimestamp(ms)}'`;
  const tests = run.options.runTests === false ? [] : run.tests.of(step.model).map((t) => t.kind);
  return mergeBlocker(
    sql,
    { start: literal(step.renderWindow.start), end: literal(step.renderWindow.end) },
    model.text,
    tests,
  );
}

/** `b` writes the window right after `a`'s, in the same way. */
function follows(a: Step, b: Step): boolean {
  return (
    a.kind === b.kind &&
    a.renderWindow.end === b.renderWindow.start &&
    a.isIncremental === b.isIncremental &&
    a.refresh === b.refresh
  );
}

/** Consecutive one-window steps of a model as one step of all their windows. */
function mergeSteps(steps: readonly Step[]): Step {
  const first = steps[0]!;
  const last = steps.at(-1)!;
  const windows = steps.flatMap((s) => s.windows);
  const label = (s: Step): string => s.id.slice(s.id.indexOf('@') + 1).replace(/^refresh /, '');
  return {
    ...first,
    id: steps.length === 1 ? first.id : `${first.id}..${label(last)}`,
    windows,
    renderWindow: mergeWindows(windows),
    dependsOn: [],
    conditional: false,
  };
}

/**
 * Steps merged by adaptive batching (see {@link mergeable}): written in one transaction, each
 * step then told on its own, with its windows and a share of the time. When the merged write
 * fails, its steps are written one by one (as they would have been unmerged): the failure
 * names its window and the others commit. Returns how each step ended.
 */
async function runMerged(
  run: Run,
  steps: readonly Step[],
  ctx: WriteContext,
  how: { readonly thread: number; readonly sizer: BatchSizer },
): Promise<Map<string, boolean | 'later' | 'halt' | 'skip'>> {
  const { reporter, compiled } = run.options;
  if (steps.length === 1) {
    // Alone: written as any step, its time measured for the next.
    const began = performance.now();
    const outcome = await runStep(run, steps[0]!, ctx, how.thread);
    if (outcome === true) how.sizer.wrote(steps[0]!.model, 1, performance.now() - began);
    return new Map([[steps[0]!.id, outcome]]);
  }
  const merged = mergeSteps(steps);
  for (const step of steps) reporter.stepStarted(step);
  const started = performance.now();
  const startedAt = Date.now();
  const all = <T>(value: T): Map<string, T> => new Map(steps.map((s) => [s.id, value]));
  try {
    const of = run.inputs.of(merged);
    if (of === undefined) throw new Error('a merged step is never conditional');
    // The first and last windows alone: the merged rows in them must be the same (sampleCheck).
    const ends = [steps[0]!, steps.at(-1)!];
    const samples = ends.map((s) => ({ window: s.renderWindow, sql: renderStep(compiled, s) }));
    const write = { ...of, samples };
    const { value, attempts } = await withRetries(
      run.options.retry ?? DEFAULT_RETRY,
      (error) => ctx.conn.dialect.isTransient(error),
      () => writeStep(ctx, write),
      (error, attempt, delay) => reporter.retrying?.(merged, attempt, delay, errorMessage(error)),
    );
    const ms = performance.now() - started;
    how.sizer.wrote(merged.model, steps.length, ms);
    run.inputs.written(merged, value);
    const byStart = new Map(value.windows.map((w) => [w.window.start, w]));
    const share = ms / steps.length;
    const results: StepResult[] = steps.map((step, i) => {
      const windows = step.windows.flatMap((w) => byStart.get(w.start) ?? []);
      return {
        step,
        status: 'success',
        rows: windows.reduce((sum, w) => sum + w.rows, 0),
        windows,
        error: undefined,
        durationMs: share,
        startedAt: startedAt + i * share,
        thread: how.thread,
        attempts,
        // The data tests ran once, on all the windows: told with the last step.
        tests: i === steps.length - 1 ? value.tests : undefined,
      };
    });
    const batch = { id: merged.id, results, durationMs: ms };
    for (const result of results) finishStep(run, result, batch);
    return all<boolean>(true);
  } catch (error) {
    const cause = error instanceof RetryExhausted ? error.cause : error;
    if (cause instanceof Busy) return all<'later'>('later');
    how.sizer.failed(merged.model);
    if (
      cause instanceof CheckFailed &&
      cause.code === 'merge differs' &&
      !run.separate.has(merged.model)
    ) {
      run.separate.add(merged.model);
      told(run, merged);
      reporter.info(
        `  ${merged.model}: its windows merged into one transaction give other rows than written one by one (does the template use {{ start }}, {{ ds }} or the like as a value, or is the query not deterministic?): written one window a transaction from now on; set batch_size to choose`,
      );
    }
    const outcomes = new Map<string, boolean | 'later' | 'halt' | 'skip'>();
    for (const step of steps) {
      // Stopped meanwhile (Ctrl-C, --fail-fast after a failure, the warehouse gone): the rest
      // are not run, and the walk tells them cancelled.
      if (stopped(run, outcomes)) {
        outcomes.set(step.id, 'skip');
        continue;
      }
      outcomes.set(step.id, await runStep(run, step, ctx, how.thread, true));
    }
    return outcomes;
  }
}

/** Whether a merged write's steps, written one by one, should stop here. */
function stopped(run: Run, outcomes: ReadonlyMap<string, unknown>): boolean {
  if (run.options.signal?.aborted === true) return true;
  const values = [...outcomes.values()];
  return values.includes('halt') || (run.options.failFast === true && values.includes(false));
}

/** What another process wrote for a step, from its ledger rows (see claim.ts). */
function builtElsewhere(step: Step, claimed: BuiltElsewhere): WriteResult {
  const [first] = claimed.rows;
  const whole = first?.whole ?? (step.windows.length === 0 ? first?.content_hash : undefined);
  const byStart = new Map(step.windows.map((w) => [w.start, w]));
  return {
    rows: 0,
    windows:
      step.windows.length === 0
        ? []
        : claimed.rows.map((r) => ({
            window: byStart.get(Number(r.w)) ?? step.renderWindow,
            rows: Number(r.row_count),
            contentHash: String(r.content_hash),
            partial: r.partial === null || r.partial === undefined ? undefined : String(r.partial),
          })),
    ...(whole === null || whole === undefined ? {} : { contentHash: String(whole) }),
  };
}

/** A step that wrote nothing. */
function nothing(step: Step): Pick<StepResult, 'step' | 'rows' | 'windows' | 'error'> {
  return { step, rows: 0, windows: [], error: undefined };
}

/** A step not run: its upstream failed, or --fail-fast stopped the run. */
function skipped(
  step: Step,
  outcome: 'cancelled' | 'upstream_failed',
  cause: string | undefined,
): StepResult {
  return {
    ...nothing(step),
    status: outcome,
    error: new EtlError(
      outcome === 'cancelled' ? 'E_CANCELLED' : 'E_UPSTREAM_FAILED',
      outcome === 'cancelled'
        ? cause === undefined
          ? 'not run: --fail-fast stopped the run'
          : cause === 'interrupted'
            ? 'not run: interrupted'
            : `not run: the run stopped when ${cause} lost the connection to the warehouse`
        : `skipped: upstream ${cause ?? 'step'} failed`,
      { exitCode: 1 },
    ),
    durationMs: 0,
    attempts: 0,
  };
}

/** Keep a step's result and report it (with the merged write it was part of, if any). */
function finishStep(run: Run, result: StepResult, batch?: StepBatch): void {
  run.results.set(result.step.id, result);
  if (batch === undefined) run.options.reporter.stepFinished(result);
  else run.options.reporter.stepFinished(result, batch);
}

function overlaps(a: Step, b: Step): boolean {
  return a.renderWindow.start < b.renderWindow.end && b.renderWindow.start < a.renderWindow.end;
}

function writeStep(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  switch (write.step.kind) {
    case 'view':
      return writeView(ctx, write);
    case 'table':
      return writeTable(ctx, write);
    case 'incremental':
      return writeIncremental(ctx, write);
    case 'upsert':
      return writeUpsert(ctx, write);
    case 'swap':
      return writeSwap(ctx, write);
    case 'discard':
      return discardRefresh(ctx, write);
    case 'seed':
      throw new Error('seeds are loaded together');
  }
}

/** Record a failed step in etl_state.failures, outside the rolled-back data transaction. */
async function recordFailure(ctx: WriteContext, step: Step, error: EtlError): Promise<void> {
  try {
    await ctx.conn.run(
      insertFailureSql({
        runId: ctx.runId,
        model: step.model,
        windows: step.windows.length > 0 ? step.windows : [step.renderWindow],
        code: error.code,
        error: error.message,
        failedAt: ctx.now(),
      }),
    );
  } catch {
    // The failure is still reported and kept in the run record; losing this row only
    // affects `etl status`.
  }
}

function asStepError(step: Step, error: unknown, sql: string | undefined): EtlError {
  // A template error met only in a later window (rendered when it runs): its place in the
  // file is part of the message, as the summary prints messages.
  if (error instanceof EtlError && error.location?.file !== undefined) {
    const { file, line, column } = error.location;
    const at = [file, line, line === undefined ? undefined : column]
      .filter((p) => p !== undefined)
      .join(':');
    return new EtlError(error.code, `${at}: ${error.message}`, {
      exitCode: error.exitCode,
      location: error.location,
      hint: error.hint,
      cause: error,
    });
  }
  if (error instanceof EtlError) return error;
  const environment = environmentError(error, 'the warehouse');
  if (environment !== undefined) return environment;
  return new WindowError('E_SQL', `model '${step.model}': ${errorMessage(error)}`, {
    model: step.model,
    window: step.windows.length > 0 ? step.id.split('@')[1] : undefined,
    sql,
    cause: error,
  });
}
