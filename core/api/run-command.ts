import { UsageError, WarehouseInUseError, errorMessage } from '../errors.js';
import { openEngine } from '../engine/open-engine.js';
import { isMissingFile, type Target } from '../engine/target.js';
import { inTransaction, type Connection, type Engine } from '../engine/adapter.js';
import { checkSelection, selectNodes } from '../compile/selection.js';
import { stateContext } from '../compile/selection-state.js';
import type { CompiledGraph, CompiledModel } from '../compile/compiled-graph.js';
import type { Window } from '../time/window.js';
import { ledgerScope } from '../plan/ledger-scope.js';
import type { Plan, Step } from '../plan/plan.js';
import { dialectOf } from '../engine/dialect.js';
import { planStatements, type PlannedStatements } from '../execute/plan-statements.js';
import type { PlanOptions } from '../plan/plan-steps.js';
import {
  EMPTY_STATE,
  WholeLedgerNeeded,
  readWarehouseState,
  type WarehouseState,
} from '../state/warehouse-state.js';
import { ensureLedger } from '../state/ledger-schema.js';
import { finishRunSql, insertRunSql } from '../state/run-log.js';
import { acceptSql } from '../state/accept.js';
import { DataVersions } from '../plan/data-versions.js';
import { findDrift, withDrift, type Drift } from './ledger-integrity.js';
import { withProgressFile } from './run-progress.js';
import { executePlan } from '../execute/execute-plan.js';
import { summarize } from '../execute/summarize.js';
import type { RunSummary, StepResult } from '../execute/run-summary.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../execute/retry.js';
import { silentReporter, type Reporter } from '../execute/reporter.js';
import { hashSeeds, newRunId, openProject, type ProjectOptions } from './open-project.js';
import { writeRunArtifacts } from './artifacts.js';

/** Options shared by build, backfill, run and seed. */
export interface RunOptions extends ProjectOptions {
  readonly select?: readonly string[];
  readonly exclude?: readonly string[];
  readonly fullRefresh?: boolean;
  /** Accept a new definition for windows already built instead of rebuilding them. */
  readonly forwardOnly?: boolean;
  /** Only seeds: `etl seed` (optionally reloading unchanged ones). */
  readonly seedsOnly?: { readonly force: boolean };
  readonly reporter?: Reporter;
  /** An open engine to use instead of opening the target (the caller closes it). */
  readonly engine?: Engine;
  /** Plan only: a missing warehouse file is read as empty instead of being created. */
  readonly readOnly?: boolean;
  /** Steps run at once, each on its own connection. */
  readonly threads?: number;
  /** Retries of transient errors (default 2), and their backoff. */
  readonly retries?: number;
  readonly retryPolicy?: Partial<RetryPolicy>;
  readonly failFast?: boolean;
  /**
   * Stops the run as Ctrl-C does: no step starts after it is aborted, running steps commit or
   * roll back whole, and the run ends `interrupted` (rerunning the command resumes).
   */
  readonly signal?: AbortSignal;
  /**
   * Windows per transaction, for every model (`--batch-size`, backfill and run); unset: each
   * model's `batch_size`, or, where that is unset too, adaptive batching (consecutive windows
   * merged as the run goes, sized by how long their writes take).
   */
  readonly batchSize?: number;
  /** Run each model's data tests inside its write transaction (default true; --no-test). */
  readonly runTests?: boolean;
  /**
   * When another process holds the warehouse, wait up to this many ms for it (default
   * {@link DEFAULT_WAIT_MS}: a reader such as `etl status` or `etl docs` holds it a moment).
   */
  readonly waitMs?: number;
  /** An already compiled project, to skip compiling it again. */
  readonly compiled?: CompiledGraph;
  /**
   * Read the whole ledger even where the plan looks at part of it (tests compare the plans
   * of both ways).
   */
  readonly wholeLedger?: boolean;
  /** Called with ledger windows whose row count no longer matches the table. */
  readonly onDrift?: (drift: readonly Drift[]) => void;
  /** Called with the plan before anything is written. */
  readonly onPlan?: (plan: Plan) => void;
  /** Called with things worth saying once (an upgraded ledger). */
  readonly onNotice?: (message: string) => void;
  /**
   * Plan only: called with the plan and, step by step, the statements each step would run,
   * while the warehouse is open (read only) to describe them.
   */
  readonly withStatements?: (
    plan: Plan,
    statements: AsyncIterable<[Step, PlannedStatements]>,
  ) => Promise<void>;
}

/** Turns the compiled project and the warehouse state into a plan. */
export type Planner = ((
  compiled: CompiledGraph,
  state: WarehouseState,
  options: PlanOptions,
) => Plan) & {
  /**
   * The windows the command wants of each incremental model, whatever the warehouse holds:
   * with it, the ledger is read for the windows the plan can look at only (see ledgerScope),
   * so that a build of one day costs the same over ten years of history as over none.
   */
  readonly windowsOf?: (model: CompiledModel) => readonly Window[];
};

/**
 * The default number of threads. Measured on the example warehouse (a forced Q1 backfill,
 * 2 cores): 1 thread 6.1 s, 2 4.2-4.9 s, 3 3.6-4.1 s, 4 3.5-3.8 s, 6 3.5-3.9 s. DuckDB
 * overlaps one window's commit with another's query, so 4 wins even on 2 cores.
 */
const DEFAULT_THREADS = 4;

/** Plan a command without running anything. */
export async function planOnly(options: RunOptions, planner: Planner): Promise<Plan> {
  const prepared = await prepare({ ...options, readOnly: true }, planner);
  try {
    const clock = options.clock ?? Date.now;
    await options.withStatements?.(
      prepared.plan,
      planStatements(prepared.plan, {
        ...prepared,
        dialect: prepared.conn?.dialect ?? dialectOf(prepared.compiled.target.kind),
        runId: (options.runId ?? (() => newRunId(clock())))(),
        now: clock(),
        runTests: options.runTests ?? true,
      }),
    );
  } finally {
    await prepared.close();
  }
  return prepared.plan;
}

/**
 * Plan and run a command: record the run, execute the plan's DAG of steps (each step one
 * transaction with its ledger rows), record the outcome. Bad input throws before any write.
 */
export async function runCommand(
  command: string,
  args: Record<string, unknown>,
  options: RunOptions,
  planner: Planner,
): Promise<{ plan: Plan; summary: RunSummary }> {
  const clock = options.clock ?? Date.now;
  const started = performance.now();
  // The flags that change what a run writes are recorded with it (the runs page of `etl docs`
  // shows the command line from them).
  args = {
    ...args,
    ...(options.fullRefresh && !('full_refresh' in args) ? { full_refresh: true } : {}),
    ...(options.forwardOnly ? { forward_only: true } : {}),
  };
  const prepared = await prepare(options, planner);
  const { plan, compiled, conn, engine } = prepared;
  try {
    if (conn === undefined || engine === undefined) throw new Error(`${command} needs a warehouse`);
    const runId = (options.runId ?? (() => newRunId(clock())))();
    options.onPlan?.(plan);
    for (const note of plan.notes ?? []) options.onNotice?.(note);
    await upgradeLedger(conn, options.onNotice);
    await recordStart(conn, plan, { runId, command, args }, clock);
    // .etl/run.json: the run's progress, for `etl status` from another terminal.
    const results = await withProgressFile(
      { ...prepared, conn, runId, command, args },
      options,
      (reporter) => executeRecorded(prepared, { conn, engine, runId }, { ...options, reporter }),
    );
    const summarized = summarize(
      command,
      runId,
      performance.now() - started,
      plan,
      results,
      compiled,
    );
    const summary: RunSummary = options.signal?.aborted
      ? { ...summarized, status: 'interrupted' }
      : summarized;
    await recordOutcome(conn, runId, summary, clock, options.onNotice);
    // Of runs on the project's target: not on an engine given (etl test's throwaway database).
    if (options.engine === undefined)
      writeRunArtifacts({ args, summary, results, compiled, now: clock }, options.onNotice);
    return { plan, summary };
  } finally {
    await prepared.close();
  }
}

/** Bring an older ledger up to date, and say once what that means for the windows in it. */
async function upgradeLedger(conn: Connection, onNotice: RunOptions['onNotice']): Promise<void> {
  const upgrade = await ensureLedger(conn);
  if (upgrade !== undefined)
    onNotice?.(
      `upgraded the ledger (etl_state) to record data versions: ${upgrade.legacyWindows.toLocaleString('en-US')} window${upgrade.legacyWindows === 1 ? '' : 's'} built before it do not say what they read and are trusted as current; rebuild any you doubt with etl backfill --force`,
    );
}

/** Record the run as started, with the windows it accepts, in one transaction. */
async function recordStart(
  conn: Connection,
  plan: Plan,
  run: { readonly runId: string; readonly command: string; readonly args: unknown },
  clock: () => number,
): Promise<void> {
  await inTransaction(conn, async () => {
    await conn.run(insertRunSql({ ...run, startedAt: clock() }));
    // --forward-only: windows built under an older definition take the new one.
    for (const a of plan.accept) await conn.run(acceptSql(a, run.runId, clock(), conn.dialect));
  });
}

/** Execute the plan; a run that throws is recorded as an error before the error goes on. */
async function executeRecorded(
  prepared: Prepared,
  run: { readonly conn: Connection; readonly engine: Engine; readonly runId: string },
  options: RunOptions,
): Promise<StepResult[]> {
  const { conn, runId } = run;
  const clock = options.clock ?? Date.now;
  try {
    return await executePlan(prepared.plan, {
      ...run,
      compiled: prepared.compiled,
      now: clock,
      reporter: options.reporter ?? silentReporter,
      seedHashes: prepared.seedHashes,
      threads: options.threads ?? DEFAULT_THREADS,
      retry: {
        ...DEFAULT_RETRY,
        ...options.retryPolicy,
        retries: options.retries ?? DEFAULT_RETRY.retries,
      },
      failFast: options.failFast ?? false,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      runTests: options.runTests ?? true,
      state: prepared.state,
      versions: prepared.versions,
      adaptive: options.batchSize === undefined,
    });
  } catch (error) {
    // Recording the outcome may fail for the same reason (a full disk): the error told is
    // the first one.
    await conn
      .run(
        finishRunSql({
          runId,
          finishedAt: clock(),
          status: 'error',
          failures: [{ error: String(error) }],
        }),
      )
      .catch(() => undefined);
    throw error;
  }
}

/** Record the run's outcome; failing that is said, not thrown. */
async function recordOutcome(
  conn: Connection,
  runId: string,
  summary: RunSummary,
  clock: () => number,
  onNotice: RunOptions['onNotice'],
): Promise<void> {
  try {
    await conn.run(
      finishRunSql({
        runId,
        finishedAt: clock(),
        status: summary.status,
        failures: summary.failures,
      }),
    );
  } catch (error) {
    // The windows are committed (or not) whatever happens here: the summary is still told.
    onNotice?.(
      `the outcome of run ${runId} could not be recorded in etl_state.runs: ${errorMessage(error).split('\n')[0]}`,
    );
  }
}

/** A planned command, with the connection it runs on (none when planned from no warehouse). */
interface Prepared {
  readonly plan: Plan;
  readonly state: WarehouseState;
  readonly versions: DataVersions;
  readonly compiled: CompiledGraph;
  readonly seedHashes: Map<string, string>;
  readonly engine: Engine | undefined;
  readonly conn: Connection | undefined;
  readonly close: () => Promise<void>;
}

/**
 * Compile, select and plan against the warehouse. A plan-only command on a warehouse file not
 * created yet plans from an empty one, and opens nothing.
 */
async function prepare(options: RunOptions, planner: Planner): Promise<Prepared> {
  checkRunOptions(options);
  const compiled = options.compiled ?? openProject(options).compiled;
  // A state: selector compares with the ledger: it is checked now, before anything is opened,
  // and resolved once the ledger is read.
  const byState = checkSelection(compiled, options.select, options.exclude);
  const early = byState ? undefined : selectForRun(compiled, options);
  const planning = (selected: Set<string>) => {
    const seedHashes = hashSeeds(compiled, selected);
    const planFor = (state: WarehouseState, versions: DataVersions): Plan =>
      planner(compiled, state, {
        selected,
        fullRefresh: options.fullRefresh ?? false,
        forwardOnly: options.forwardOnly ?? false,
        forceSeeds: (options.seedsOnly?.force ?? false) || (options.fullRefresh ?? false),
        seedHashes,
        versions,
        now: (options.clock ?? Date.now)(),
      });
    return { selected, seedHashes, planFor };
  };
  if (options.readOnly && isMissingFile(compiled.target)) {
    const { seedHashes, planFor } = planning(early ?? selectForRun(compiled, options, EMPTY_STATE));
    const versions = new DataVersions(compiled, EMPTY_STATE, seedHashes);
    const plan = planFor(EMPTY_STATE, versions);
    return {
      plan,
      state: EMPTY_STATE,
      versions,
      compiled,
      seedHashes,
      engine: undefined,
      conn: undefined,
      close: () => Promise.resolve(),
    };
  }
  const { engine, conn, close } = await connect(compiled.target, options);
  try {
    const known = byState ? await readWarehouseState(conn, compiled) : undefined;
    const { selected, seedHashes, planFor } = planning(
      early ?? selectForRun(compiled, options, known),
    );
    const scope =
      known !== undefined ||
      planner.windowsOf === undefined ||
      options.wholeLedger === true ||
      options.fullRefresh === true ||
      options.forwardOnly === true
        ? undefined
        : ledgerScope(compiled, selected, planner.windowsOf);
    const { plan, state, versions } = await planFromLedger(
      conn,
      compiled,
      seedHashes,
      planFor,
      options.onDrift,
      known ?? (await readWarehouseState(conn, compiled, scope)),
    );
    const notes = [
      ...(plan.notes ?? []),
      ...missingTableNotes(compiled, selected, state),
      ...unselectedSeedNotes(compiled, selected, state),
    ];
    const noted = notes.length > 0 ? { ...plan, notes } : plan;
    return { plan: noted, state, versions, compiled, seedHashes, engine, conn, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The nodes the command runs: the selection, only its seeds for `etl seed`; never none.
 * `state` is the ledger that `state:` selectors compare with.
 */
function selectForRun(
  compiled: CompiledGraph,
  options: RunOptions,
  state?: WarehouseState,
): Set<string> {
  const context =
    state === undefined
      ? undefined
      : stateContext(compiled, state, hashSeeds(compiled, new Set(compiled.nodes.keys())));
  const selected = selectNodes(compiled, options.select, options.exclude, context);
  if (options.seedsOnly)
    for (const name of selected)
      if (compiled.nodes.get(name)?.kind !== 'seed') selected.delete(name);
  // `-s state:modified` with nothing modified is a CI job's good day: nothing to do.
  if (selected.size === 0 && context === undefined)
    throw new UsageError('the selection matches nothing', '--select');
  return selected;
}

/**
 * Open the target (or use the engine given, which the caller closes) and connect; `close`
 * closes what was opened here.
 */
async function connect(
  target: Target,
  options: RunOptions,
): Promise<{ engine: Engine; conn: Connection; close: () => Promise<void> }> {
  const engine =
    options.engine ??
    (await openWaiting(
      () => openEngine(target, { readOnly: options.readOnly ?? false }),
      options.waitMs ?? DEFAULT_WAIT_MS,
    ));
  const closeEngine = (): Promise<void> => (options.engine ? Promise.resolve() : engine.close());
  let conn: Connection;
  try {
    conn = await engine.connect();
  } catch (error) {
    await closeEngine();
    throw error;
  }
  const close = async (): Promise<void> => {
    await conn.close();
    await closeEngine();
  };
  return { engine, conn, close };
}

/**
 * Plan from the warehouse's ledger. The ledger is checked against the tables before it is
 * trusted: windows changed by hand are reported and rebuilt.
 */
async function planFromLedger(
  conn: Connection,
  compiled: CompiledGraph,
  seedHashes: ReadonlyMap<string, string>,
  planFor: (state: WarehouseState, versions: DataVersions) => Plan,
  onDrift: RunOptions['onDrift'],
  read: WarehouseState,
): Promise<{ plan: Plan; state: WarehouseState; versions: DataVersions }> {
  const planOver = async (state: WarehouseState) => {
    const versions = new DataVersions(compiled, state, seedHashes);
    const plan = planFor(state, versions);
    const drift = await findDrift(conn, compiled, plan, state);
    if (drift.length === 0) return { plan, state, versions, drift };
    const drifted = withDrift(state, drift);
    return { plan: planFor(drifted, versions), state: drifted, versions, drift };
  };
  let planned;
  try {
    planned = await planOver(read);
  } catch (error) {
    // A model rebuilt whole reads every window of itself and its inputs.
    if (!(error instanceof WholeLedgerNeeded)) throw error;
    planned = await planOver(await readWarehouseState(conn, compiled));
  }
  const { drift, ...result } = planned;
  if (drift.length > 0) onDrift?.(drift);
  return result;
}

/**
 * Selected incremental models whose ledger has windows but whose table is gone (dropped
 * outside etl): their windows count as missing, and the run rebuilds those it covers.
 */
function missingTableNotes(
  compiled: CompiledGraph,
  selected: ReadonlySet<string>,
  state: WarehouseState,
): string[] {
  const notes: string[] = [];
  for (const name of selected) {
    const node = compiled.nodes.get(name);
    if (node?.kind !== 'model' || node.config.materialized !== 'incremental') continue;
    const windows = state.partitions.get(name)?.length ?? 0;
    if (windows === 0 || state.relations.get(name) === 'table') continue;
    notes.push(
      `the ledger records ${windows.toLocaleString('en-US')} window${windows === 1 ? '' : 's'} of ${name} but its table ${state.relations.get(name) === 'view' ? 'is a view' : 'is missing'} (changed outside etl): they count as missing and are rebuilt over the range of the command (etl run rebuilds all)`,
    );
  }
  return notes.sort();
}

/**
 * Seeds edited on disk since they were loaded that selected models read (directly or through
 * views) but the selection leaves out: a seed is reloaded only when selected, as in dbt, and
 * what reads it is then current with the rows loaded before. Said, not acted on.
 */
function unselectedSeedNotes(
  compiled: CompiledGraph,
  selected: ReadonlySet<string>,
  state: WarehouseState,
): string[] {
  const seeds = new Set<string>();
  const seen = new Set<string>();
  const walk = (name: string): void => {
    for (const p of compiled.graph.parents(name)) {
      if (seen.has(p)) continue;
      seen.add(p);
      const node = compiled.nodes.get(p);
      if (node?.kind === 'seed') {
        if (!selected.has(p)) seeds.add(p);
      } else if (node?.kind === 'model' && node.config.materialized === 'view' && !selected.has(p))
        walk(p);
    }
  };
  for (const name of selected) if (compiled.nodes.get(name)?.kind === 'model') walk(name);
  if (seeds.size === 0) return [];
  const hashes = hashSeeds(compiled, seeds);
  return [...seeds]
    .filter((s) => {
      const loaded = state.seeds.get(s);
      return loaded !== undefined && loaded.fileHash !== hashes.get(s);
    })
    .sort()
    .map(
      (s) =>
        `seed ${s} changed on disk but is not selected: what reads it keeps the rows loaded before; select it too (-s ${s} ...) to load the edit and rebuild what reads it`,
    );
}

/**
 * How long a run waits by default for a warehouse another process holds: long enough for a
 * reader (`etl status`, `etl docs`, `etl docs --serve` after a run) to finish its read, short
 * enough that a run refused by another run says so at once. `--wait` waits longer.
 */
export const DEFAULT_WAIT_MS = 3_000;

/** Open, and while another process holds the warehouse, poll until `waitMs` has passed. */
export async function openWaiting<T>(open: () => Promise<T>, waitMs: number): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await open();
    } catch (error) {
      const left = deadline - Date.now();
      if (!(error instanceof WarehouseInUseError) || left <= 0) throw error;
      // The last try comes at the deadline, not one delay before it.
      await new Promise((r) => setTimeout(r, Math.min(delay, left)));
    }
  }
}

/**
 * Options a library caller may get wrong, checked as the CLI checks its flags: a bad value is
 * a usage error, not a run where every step fails.
 */
function checkRunOptions(options: RunOptions): void {
  const whole = (value: number | undefined, name: string, min: number, max: number): void => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max))
      throw new UsageError(
        `invalid ${name} ${String(value)}: expected a whole number from ${min} to ${max}`,
        name,
      );
  };
  whole(options.threads, 'threads', 1, 64);
  whole(options.retries, 'retries', 0, 20);
  for (const name of ['select', 'exclude'] as const) {
    const value: unknown = options[name];
    if (value !== undefined && !(Array.isArray(value) && value.every((v) => typeof v === 'string')))
      throw new UsageError(
        `invalid ${name}: expected a list of selectors, e.g. ['+fct_orders']`,
        name,
      );
  }
  const signal: unknown = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new UsageError('invalid signal: expected an AbortSignal', 'signal');
}
