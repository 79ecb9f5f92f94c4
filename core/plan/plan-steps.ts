import { EtlError, ProjectErrors } from '../errors.js';
import type { CompiledGraph, CompiledModel, CompiledNode } from '../compile/compiled-graph.js';
import { renderModel } from '../compile/compile-project.js';
import { fingerprintChange } from '../compile/fingerprint.js';
import { qualified } from '../util/sql.js';
import type { PartitionRecord } from '../state/ledger.js';
import { WholeLedgerNeeded, refreshName, type WarehouseState } from '../state/warehouse-state.js';
import { DataVersions, sqlVersion } from './data-versions.js';
import { NO_DEPS, stepOf } from './planned-step.js';
import { batch, overlapping, recordFinder } from './step-lookup.js';
import { refreshCause } from './refresh-cause.js';
import { currentDefinition, windowStanding } from './window-state.js';
import type {
  Acceptance,
  ModelWindows,
  Plan,
  PlannedState,
  SkippedNode,
  Step,
  WindowReason,
} from './plan.js';
import {
  DAY_MS,
  addGrain,
  floorToGrain,
  formatDay,
  mergeWindows,
  windowLabel,
  windowsOverlapping,
  type Grain,
  type Window,
} from '../time/window.js';

/** Which windows a command wants of each incremental model. */
export interface PlanScope {
  readonly command: string;
  /** The windows wanted of a model (before subtracting done ones). */
  readonly windowsOf: (model: CompiledModel) => readonly Window[];
  /** Rebuild windows that are already done under the current fingerprint. */
  readonly force: boolean;
  /** The window views and tables are rendered with (the run's day). */
  readonly day: Window;
  /** Merge up to this many consecutive windows into one step (overrides config). */
  readonly batchSize?: number | undefined;
  /**
   * Rebuild views and tables even when they exist, their definition is unchanged and nothing
   * upstream of them runs (build and backfill do; run does not).
   */
  readonly rebuildUnchanged: boolean;
}

/** Inputs shared by every planning command. */
export interface PlanOptions {
  readonly selected: ReadonlySet<string>;
  /** Rebuild incremental models' tables and every window of them, aside, then swap them in. */
  readonly fullRefresh: boolean;
  /** Accept a new definition for windows already built instead of rebuilding them. */
  readonly forwardOnly?: boolean;
  /** Reload selected seeds even when unchanged. */
  readonly forceSeeds?: boolean;
  /** Hash of each selected seed file's bytes. */
  readonly seedHashes: ReadonlyMap<string, string>;
  /** The data versions of the warehouse (made from the state when not given). */
  readonly versions?: DataVersions;
  /** The current instant, for windows built before they closed; default: now. */
  readonly now?: number;
}

/** How a model's windows in range stand, as counted for the plan. */
type WindowCounts = Omit<
  ModelWindows,
  'model' | 'total' | 'batches' | 'range' | 'refresh' | 'reasons'
>;

interface Todo {
  readonly window: Window;
  readonly reason: string;
  readonly state: PlannedState;
  readonly conditional: boolean;
}

/**
 * Plan a run as a DAG of steps: changed or missing seeds, every selected view and table, and
 * the wanted windows of each incremental model that are missing, stale or forced, batched.
 * Done windows that read a part an earlier step of the plan rebuilds (within the range, or
 * beyond it through windowed upstream models) become conditional steps: checked when their
 * turn comes, rebuilt only if their inputs changed. A window step depends on the steps of its
 * upstream models that overlap its input range (seen through views), so a backfill is a DAG
 * of partitions, not of models. Every template error is collected and thrown at once.
 */
export function planSteps(
  compiled: CompiledGraph,
  state: WarehouseState,
  options: PlanOptions,
  scope: PlanScope,
): Plan {
  return new StepPlanner(compiled, state, options, scope).plan();
}

class StepPlanner {
  private readonly steps: Step[] = [];
  private readonly skipped: SkippedNode[] = [];
  private readonly windows: ModelWindows[] = [];
  private readonly accept: Acceptance[] = [];
  private readonly errors: EtlError[] = [];
  /** Steps of each model that later steps read, in time order. */
  private readonly stepsOf = new Map<string, Step[]>();
  private readonly versions: DataVersions;
  private readonly now: number;
  private readonly reasons = new Map<string, string>();

  constructor(
    private readonly compiled: CompiledGraph,
    private readonly state: WarehouseState,
    private readonly options: PlanOptions,
    private readonly scope: PlanScope,
  ) {
    this.versions = options.versions ?? new DataVersions(compiled, state, options.seedHashes);
    this.now = options.now ?? Date.now();
  }

  plan(): Plan {
    const implied = this.changedViewsRead();
    for (const name of this.compiled.runOrder) {
      if (!this.options.selected.has(name) && !implied.has(name)) continue;
      const node = this.node(name);
      if (node.kind === 'seed') this.planSeed(node.name, node.fingerprint);
      else if (this.upstreamAbsent(node) || this.upstreamUnbuilt(node)) continue;
      else if (node.config.materialized !== 'incremental') this.planRelation(node);
      else if (this.options.fullRefresh) this.planRefresh(node);
      else this.planWindows(node);
    }
    if (this.errors.length > 0) throw new ProjectErrors(this.errors);
    return {
      command: this.scope.command,
      steps: this.steps,
      skipped: this.skipped,
      windows: this.windows,
      accept: this.accept,
      ...(implied.size === 0
        ? {}
        : {
            notes: [...implied].map(
              (v) =>
                `view ${v} changed and selected models read it: it is rebuilt too, or they would be built from the old view`,
            ),
          }),
    };
  }

  /**
   * Views left out of the selection whose definition changed since they were built, that
   * selected models read (through views): they are rebuilt too, as a window is recorded under
   * the fingerprints of the views it reads and must be built from them.
   */
  private changedViewsRead(): Set<string> {
    const implied = new Set<string>();
    const seen = new Set<string>();
    const walk = (name: string): void => {
      for (const p of this.compiled.graph.parents(name)) {
        if (seen.has(p) || this.options.selected.has(p)) continue;
        seen.add(p);
        const node = this.node(p);
        if (node.kind !== 'model' || node.config.materialized !== 'view') continue;
        const build = this.state.builds.get(p);
        if (this.state.relations.has(p) && (build === undefined || !currentDefinition(node, build)))
          implied.add(p);
        walk(p);
      }
    };
    for (const name of this.options.selected) if (this.node(name)?.kind === 'model') walk(name);
    return implied;
  }

  /** One string per distinct reason: a million stale windows share a few. */
  private intern(reason: string): string {
    const known = this.reasons.get(reason);
    if (known !== undefined) return known;
    this.reasons.set(reason, reason);
    return reason;
  }

  private node(name: string): CompiledNode {
    return this.compiled.nodes.get(name) as CompiledNode;
  }

  private add(step: Step, visible = true): void {
    this.steps.push(step);
    if (!visible) return;
    const list = this.stepsOf.get(step.model);
    if (list) list.push(step);
    else this.stepsOf.set(step.model, [step]);
  }

  private planSeed(name: string, fingerprint: string): void {
    const { state, options } = this;
    const loaded = state.seeds.get(name);
    const reason = options.forceSeeds
      ? 'forced'
      : !state.relations.has(name)
        ? 'missing'
        : loaded?.fileHash !== options.seedHashes.get(name)
          ? 'changed'
          : loaded?.fingerprint !== fingerprint
            ? 'config changed'
            : undefined;
    if (reason === undefined) this.skipped.push({ model: name, reason: 'unchanged' });
    else this.add(stepOf(name, 'seed', this.scope.day, [], reason));
  }

  /** A selected model reads a relation that is neither built nor selected: refuse it. */
  private upstreamAbsent(node: CompiledModel): boolean {
    const absent = this.compiled.graph
      .parents(node.name)
      .filter((p) => !this.options.selected.has(p) && !this.state.relations.has(p));
    if (absent.length === 0) return false;
    this.errors.push(
      new EtlError(
        'E_UPSTREAM_MISSING',
        `model '${node.name}' reads ${absent.map((a) => `'${a}'`).join(', ')}, which ${absent.length === 1 ? 'is' : 'are'} not in the warehouse and not selected`,
        { location: { file: node.file }, hint: `select it too: -s +${node.name}` },
      ),
    );
    return true;
  }

  /**
   * A selected upstream that has no relation yet and nothing to build in this run (a model
   * whose first window has not closed): the model waits for it.
   */
  private upstreamUnbuilt(node: CompiledModel): boolean {
    const waiting = this.compiled.graph
      .parents(node.name)
      .find((p) => !this.state.relations.has(p) && (this.stepsOf.get(p)?.length ?? 0) === 0);
    if (waiting === undefined) return false;
    this.skipped.push({
      model: node.name,
      reason: `reads ${waiting}, which is not built yet and has nothing to build in this run`,
    });
    return true;
  }

  private render(
    node: CompiledModel,
    window: Window,
    isIncremental: boolean,
    self?: string,
  ): string {
    try {
      return renderModel(this.compiled, node, {
        window,
        isIncremental,
        ...(self === undefined ? {} : { overrides: { self } }),
      });
    } catch (error) {
      this.errors.push(error as EtlError);
      return '';
    }
  }

  /**
   * Steps of `name` (and, through views, of its upstream) whose windows overlap `span`, or
   * all of them when `span` is undefined; with `dataOnly`, steps that change data (not views).
   */
  private dataDeps(
    name: string,
    span: Window | undefined,
    out: Set<string>,
    dataOnly = false,
  ): void {
    const node = this.node(name);
    const own = this.stepsOf.get(name) ?? [];
    const view = node.kind === 'model' && node.config.materialized === 'view';
    // A windowed model is read window by window; an upsert's table, like any other, whole.
    const windowed =
      node.kind === 'model' &&
      node.config.materialized === 'incremental' &&
      node.config.uniqueKey === undefined;
    if (windowed && span) for (const s of overlapping(own, span)) out.add(s.id);
    else if (!(view && dataOnly)) for (const s of own) out.add(s.id);
    if (view)
      for (const parent of this.compiled.graph.parents(name))
        this.dataDeps(parent, span, out, dataOnly);
  }

  /** Steps that must exist before a view over `name` can be created. */
  private creationDeps(name: string, out: Set<string>): void {
    const own = this.stepsOf.get(name) ?? [];
    const node = this.node(name);
    if (node.kind === 'model' && node.config.materialized === 'incremental') {
      const first = own[0];
      if (first && !this.state.relations.has(name)) out.add(first.id);
    } else for (const s of own) out.add(s.id);
  }

  /** Steps of the plan that change what `node` reads over `range`. */
  private upstreamSteps(node: CompiledModel, range: Window | undefined): Set<string> {
    const out = new Set<string>();
    for (const p of this.compiled.graph.parents(node.name)) this.dataDeps(p, range, out, true);
    return out;
  }

  /** Views and tables: rebuilt when missing, changed, or (build, backfill) always. */
  private planRelation(node: CompiledModel): void {
    const { name, config } = node;
    const parents = this.compiled.graph.parents(name);
    const deps = new Set<string>();
    if (config.materialized === 'view') for (const p of parents) this.creationDeps(p, deps);
    else for (const p of parents) this.dataDeps(p, undefined, deps);
    const exists = this.state.relations.has(name);
    const build = this.state.builds.get(name);
    const definition = build !== undefined && currentDefinition(node, build);
    const sql = this.render(node, this.scope.day, false);
    const inputs =
      build?.inputVersion === undefined ||
      (config.materialized === 'table'
        ? this.versions.versionOfWhole(node, sql).version
        : sqlVersion(sql)) === build.inputVersion;
    const current = exists && definition && inputs;
    const upstream =
      config.materialized === 'table' ? this.upstreamSteps(node, undefined) : new Set(deps);
    if (!this.scope.rebuildUnchanged && current && upstream.size === 0) {
      this.skipped.push({ model: name, reason: 'unchanged' });
      return;
    }
    const conditional = !this.scope.rebuildUnchanged && current && config.materialized === 'table';
    const reason = !exists
      ? 'missing'
      : !definition
        ? build === undefined || build.inputVersion === undefined
          ? 'definition changed'
          : fingerprintChange(build.fingerprint, node.fingerprint)
        : !inputs
          ? 'inputs changed'
          : conditional
            ? 'upstream rebuilt in this run'
            : current
              ? 'rebuild'
              : 'changed';
    this.add({
      ...stepOf(name, config.materialized, this.scope.day, [...deps], reason),
      conditional,
    });
  }

  /** The windows a command wants of an incremental model, at or after its start. */
  private wanted(node: CompiledModel): Window[] {
    const { start } = node.config;
    return [...this.scope.windowsOf(node)]
      .filter((w) => start === undefined || w.start >= start)
      .sort((a, b) => a.start - b.start);
  }

  private skipReason(node: CompiledModel): string {
    const { start } = node.config;
    return start !== undefined && this.scope.windowsOf(node).length > 0
      ? `before its start (${formatDay(start)})`
      : start === undefined && this.scope.command === 'run'
        ? 'no start in its config, so run cannot tell where it begins'
        : 'no windows in range';
  }

  /**
   * Done windows of `node` outside `wanted` whose input range overlaps a step of a windowed
   * upstream model in this plan: a rebuilt upstream window may change what they read.
   */
  private cascade(
    node: CompiledModel,
    records: ReadonlyMap<number, PartitionRecord>,
    wanted: ReadonlySet<number>,
  ): Window[] {
    const out = new Map<number, Window>();
    const grain = node.config.uniqueKey !== undefined ? 'day' : node.config.grain;
    for (const input of this.versions.inputsOf(node.name)) {
      if (input.kind !== 'windows') continue;
      for (const step of this.stepsOf.get(input.name) ?? []) {
        const span = step.renderWindow;
        // Windows whose input range (the window less its lookback) overlaps the step.
        const last = addGrain(floorToGrain(span.end - 1, grain), grain, node.config.lookback + 1);
        const consider = (w: Window): void => {
          if (wanted.has(w.start) || out.has(w.start)) return;
          if (w.end > span.start && this.versions.inputStart(node, w) < span.end)
            out.set(w.start, w);
        };
        if ((last - span.start) / DAY_MS > records.size) {
          for (const r of records.values()) if (r.window.start < last) consider(r.window);
        } else
          for (const w of windowsOverlapping(span.start, last, grain))
            if (records.has(w.start)) consider(records.get(w.start)!.window);
      }
    }
    return [...out.values()];
  }

  /** Incremental models: the wanted windows that are missing, stale, forced or to check. */
  private planWindows(node: CompiledModel): void {
    const { name, config } = node;
    const recorded = this.state.partitions.get(name) ?? [];
    const { all, wantedStarts } = this.windowsToLookAt(node, recorded);
    if (all.length === 0) {
      const restructured = refreshCause(
        node,
        recorded,
        [],
        this.relationOf(name),
        this.state.scoped?.get(name),
      );
      if (restructured !== undefined) this.planRefresh(node, restructured);
      else {
        if (this.options.forwardOnly) this.planAcceptance(node, new Set());
        this.skipped.push({ model: name, reason: this.skipReason(node) });
        this.discardAside(node);
      }
      return;
    }
    const { counts, todo } = this.sortWindows(node, all, wantedStarts, recorded);
    // A table whose history is rewritten, or whose layout changed, is rebuilt whole, aside.
    const restructured = refreshCause(
      node,
      recorded,
      todo,
      this.relationOf(name),
      this.state.scoped?.get(name),
    );
    if (restructured !== undefined) {
      this.planRefresh(node, restructured);
      return;
    }
    if (this.options.forwardOnly)
      this.planAcceptance(
        node,
        new Set(todo.filter((t) => !t.conditional).map((t) => t.window.start)),
      );
    const chained = config.uniqueKey !== undefined || node.readsItself;
    this.discardAside(node);
    this.emitWindows(node, todo, chained, {
      counts,
      total: all.length,
      range: { start: all[0]!.start, end: all[all.length - 1]!.end },
    });
  }

  /**
   * A refresh left unfinished that nothing asks for now (no cause, no --full-refresh): its
   * table aside is dropped. (planRefresh returns before this when one is under way.)
   */
  private discardAside(node: CompiledModel): void {
    if (this.state.refreshing?.get(node.name) === undefined) return;
    this.add(
      {
        ...stepOf(
          node.name,
          'discard',
          this.scope.day,
          [],
          'an unfinished full refresh that nothing asks for now',
        ),
        id: `${node.name}@discard`,
      },
      false,
    );
  }

  /**
   * The windows to look at: those the command wants and, when a windowed upstream has steps,
   * done windows beyond the range whose inputs those steps may change (`wantedStarts` then
   * tells the wanted ones apart).
   */
  private windowsToLookAt(
    node: CompiledModel,
    recorded: readonly PartitionRecord[],
  ): { all: Window[]; wantedStarts: ReadonlySet<number> | undefined } {
    const wanted = this.wanted(node);
    const cascade =
      recorded.length > 0 &&
      this.versions
        .inputsOf(node.name)
        .some((i) => i.kind === 'windows' && (this.stepsOf.get(i.name)?.length ?? 0) > 0);
    if (!cascade) return { all: wanted, wantedStarts: undefined };
    const byStart = new Map(recorded.map((r) => [r.window.start, r] as const));
    const wantedStarts = new Set(wanted.map((w) => w.start));
    const all = [...wanted, ...this.cascade(node, byStart, wantedStarts)].sort(
      (a, b) => a.start - b.start,
    );
    return { all, wantedStarts };
  }

  /** Each window's standing: to build (missing, stale, forced), to check, or done. */
  private sortWindows(
    node: CompiledModel,
    all: readonly Window[],
    wantedStarts: ReadonlySet<number> | undefined,
    recorded: readonly PartitionRecord[],
  ): { counts: WindowCounts; todo: Todo[] } {
    const counts = { done: 0, missing: 0, stale: 0, forced: 0, check: 0, accepted: 0, partial: 0 };
    const todo: Todo[] = [];
    const context = {
      versions: this.versions,
      state: this.state,
      now: this.now,
      forwardOnly: this.options.forwardOnly ?? false,
    };
    const upstream = this.hasDataSteps(node.name);
    const recordOf = recordFinder(recorded);
    for (const window of all) {
      const standing = windowStanding(node, window, recordOf(window.start), context);
      const inRange = wantedStarts === undefined || wantedStarts.has(window.start);
      if (standing.state === 'missing') {
        counts.missing++;
        todo.push({ window, reason: 'missing', state: 'missing', conditional: false });
      } else if (standing.state === 'stale') {
        counts.stale++;
        todo.push({
          window,
          reason: this.intern(standing.reason),
          state: 'stale',
          conditional: false,
        });
      } else if (this.scope.force && inRange) {
        counts.forced++;
        todo.push({ window, reason: 'forced', state: 'forced', conditional: false });
      } else if (
        upstream &&
        this.upstreamSteps(node, { start: this.versions.inputStart(node, window), end: window.end })
          .size > 0
      ) {
        counts.check++;
        todo.push({
          window,
          reason: 'upstream rebuilt in this run',
          state: 'check',
          conditional: true,
        });
      } else {
        counts.done++;
        if (standing.accept) counts.accepted++;
        if (standing.partial !== undefined) counts.partial++;
      }
    }
    return { counts, todo };
  }

  /** What holds a model's name in the warehouse, and the last view or table build of it. */
  private relationOf(name: string) {
    return { kind: this.state.relations.get(name), build: this.state.builds.get(name) };
  }

  /** Whether any step of the plan changes data `name` reads (through views). */
  private hasDataSteps(name: string): boolean {
    for (const p of this.compiled.graph.parents(name)) {
      const node = this.node(p);
      if (node.kind === 'model' && node.config.materialized === 'view') {
        if (this.hasDataSteps(p)) return true;
      } else if ((this.stepsOf.get(p)?.length ?? 0) > 0) return true;
    }
    return false;
  }

  /** `--forward-only`: every window built under an older definition takes the current one. */
  private planAcceptance(node: CompiledModel, rebuilt: ReadonlySet<number>): void {
    const old = (this.state.partitions.get(node.name) ?? []).filter(
      (r) => !currentDefinition(node, r),
    );
    // Windows this run rebuilds anyway take the new definition with their new rows.
    const kept = old.filter((r) => !rebuilt.has(r.window.start)).length;
    if (kept === 0) return;
    this.accept.push({
      model: node.name,
      fingerprint: node.fingerprint,
      from: [...new Set(old.map((r) => r.fingerprint))],
      windows: kept,
    });
  }

  /**
   * The windows to write grouped into steps (a window that reads its own table reads the
   * windows before it: one at a time), with the model's counts kept for the plan.
   */
  private batchWindows(
    node: CompiledModel,
    todo: readonly Todo[],
    chained: boolean,
    summary: { counts: WindowCounts; total: number; range: Window },
    refresh: boolean,
  ): Todo[][] {
    // Unset: one window a step, merged by the executor as the run goes (adaptive batching).
    const size = chained ? 1 : Math.max(1, this.scope.batchSize ?? node.config.batchSize ?? 1);
    const batches = batch(todo, size);
    this.windows.push({
      model: node.name,
      ...summary.counts,
      total: summary.total,
      batches: batches.length,
      range: summary.range,
      refresh,
      reasons: groupReasons(todo),
    });
    if (batches.length === 0 && !refresh)
      this.skipped.push({ model: node.name, reason: `all ${summary.total} windows done` });
    return batches;
  }

  private emitWindows(
    node: CompiledModel,
    todo: readonly Todo[],
    chained: boolean,
    summary: {
      counts: WindowCounts;
      total: number;
      range: Window;
    },
    refresh?: { fresh: boolean; self: string; first: number },
  ): Step[] {
    const { name, config } = node;
    const upsert = config.uniqueKey !== undefined;
    const batches = this.batchWindows(node, todo, chained, summary, refresh !== undefined);
    if (batches.length === 0) return [];
    const exists = refresh ? !refresh.fresh : this.state.relations.get(name) === 'table';
    const dependencies = sharedLists();
    const emitted: Step[] = [];
    let previous: Step | undefined;
    let first: Step | undefined;
    for (const group of batches) {
      const span = group.length === 1 ? group[0]!.window : mergeWindows(group.map((g) => g.window));
      const deps = new Set<string>();
      const range = { start: this.versions.inputStart(node, span), end: span.end };
      for (const p of this.compiled.graph.parents(name)) {
        this.dataDeps(p, range, deps);
        // A window that reads none of an upstream's windows of this plan still reads its table.
        this.creationDeps(p, deps);
      }
      if (chained && previous) deps.add(previous.id);
      else if (!exists && first) deps.add(first.id);
      // A refresh's first window sees is_incremental() false, as it does in an uninterrupted
      // refresh, also when a resumed one writes it into the table an earlier run made.
      const isIncremental =
        refresh !== undefined ? span.start > refresh.first : exists || first !== undefined;
      // The first windows are rendered now, so that template errors stop the run before it
      // writes anything; the rest when they run.
      if (first === undefined || previous === first)
        this.render(node, span, isIncremental, refresh?.self);
      const step: Step = {
        // Joined, not concatenated: a plan keeps its steps' ids, and a concatenation keeps its
        // parts (140 bytes a step against 52; 876,000 steps are kept by a year of 100 hourly
        // models).
        id: [name, refresh ? '@refresh ' : '@', batchLabel(group, config.grain)].join(''),
        model: name,
        kind: upsert ? 'upsert' : 'incremental',
        windows: group.length === 1 ? [span] : group.map((g) => g.window),
        renderWindow: span,
        isIncremental,
        refresh:
          refresh === undefined
            ? undefined
            : first === undefined && refresh.fresh
              ? 'start'
              : 'continue',
        dependsOn: dependencies(deps),
        reason: group.find((g) => !g.conditional)?.reason ?? group[0]!.reason,
        conditional: group.every((g) => g.conditional),
      };
      this.add(step, refresh === undefined);
      emitted.push(step);
      first ??= step;
      previous = step;
    }
    return emitted;
  }

  /**
   * The windows a full refresh writes: from the model's start (or its first recorded window)
   * through the later of the range's end and its last recorded window.
   */
  private refreshWindows(node: CompiledModel, records: readonly PartitionRecord[]): Window[] {
    const { config } = node;
    const grain = config.uniqueKey !== undefined ? 'day' : config.grain;
    const wanted = this.wanted(node);
    // From its start: windows before it (a start moved later) leave the table.
    const first =
      config.start ?? Math.min(records[0]?.window.start ?? Infinity, wanted[0]?.start ?? Infinity);
    const last = Math.max(records.at(-1)?.window.end ?? -Infinity, wanted.at(-1)?.end ?? -Infinity);
    if (!Number.isFinite(first) || !Number.isFinite(last)) return [];
    // As everywhere, the first window is the first that starts at or after the start.
    return windowsOverlapping(first, last, grain).filter(
      (w) => config.start === undefined || w.start >= config.start,
    );
  }

  /**
   * The windows an interrupted refresh already wrote aside that are kept: done under this
   * definition, from inputs this run does not rebuild. An aside table from another definition
   * is started again (`fresh`).
   */
  private keptAside(
    node: CompiledModel,
    windows: readonly Window[],
    chained: boolean,
  ): { kept: Set<number>; fresh: boolean } {
    const aside = this.state.refreshing?.get(node.name);
    const context = {
      versions: this.versions,
      state: withoutDrift(this.state),
      now: this.now,
      tableExists: true,
    };
    const kept = new Set<number>();
    for (const r of aside ?? []) {
      const standing = windowStanding(node, r.window, r, context);
      // A window whose inputs this run rebuilds is written again after them.
      const range = { start: this.versions.inputStart(node, r.window), end: r.window.end };
      if (standing.state === 'done' && this.upstreamSteps(node, range).size === 0)
        kept.add(r.window.start);
    }
    const fresh =
      aside === undefined || aside.length === 0 || aside.some((r) => !currentDefinition(node, r));
    if (fresh) kept.clear();
    // Windows that build on earlier ones keep only the unbroken run from the first.
    const gap = windows.find((w) => !kept.has(w.start));
    if (chained && gap) for (const start of [...kept]) if (start > gap.start) kept.delete(start);
    return { kept, fresh };
  }

  /**
   * `--full-refresh` of an incremental model: every window from its start (or its first
   * recorded window) through the later of the range's end and its last recorded window, so
   * that history never shrinks, written into a table built aside and swapped in at the end,
   * in one transaction with the ledger rows: until then readers see the old table. Windows an
   * interrupted refresh already wrote aside, under this definition and from today's inputs,
   * are kept.
   */
  private planRefresh(node: CompiledModel, cause = 'full refresh'): void {
    const { name, config } = node;
    if (this.state.scoped !== undefined) throw new WholeLedgerNeeded(name);
    const records = this.state.partitions.get(name) ?? [];
    const windows = this.refreshWindows(node, records);
    if (windows.length === 0) {
      this.skipped.push({ model: name, reason: this.skipReason(node) });
      return;
    }
    const chained = config.uniqueKey !== undefined || node.readsItself;
    const { kept, fresh } = this.keptAside(node, windows, chained);
    const todo = windows
      .filter((w) => !kept.has(w.start))
      .map((window) => ({ window, reason: cause, state: 'forced' as const, conditional: false }));
    const emitted = this.emitWindows(
      node,
      todo,
      chained,
      {
        counts: {
          done: kept.size,
          missing: 0,
          stale: 0,
          forced: todo.length,
          check: 0,
          accepted: 0,
          partial: 0,
        },
        total: windows.length,
        range: { start: windows[0]!.start, end: windows.at(-1)!.end },
      },
      { fresh, self: qualified(node.schema, refreshName(name)), first: windows[0]!.start },
    );
    // The swap changes every window the table had or will have: what reads any of them waits.
    const span = {
      start: Math.min(windows[0]!.start, records[0]?.window.start ?? Infinity),
      end: Math.max(windows.at(-1)!.end, records.at(-1)?.window.end ?? -Infinity),
    };
    const deps = new Set<string>(emitted.map((s) => s.id));
    this.add({
      id: `${name}@swap`,
      model: name,
      kind: 'swap',
      windows: [],
      renderWindow: span,
      isIncremental: true,
      refresh: 'continue',
      dependsOn: [...deps],
      reason: `full refresh: swap in ${windows.length} rebuilt window${windows.length === 1 ? '' : 's'}`,
      conditional: false,
    });
  }
}

/**
 * One array of each set of dependencies, shared by the steps that have it, so that a million
 * window steps do not hold a million copies.
 */
function sharedLists(): (deps: ReadonlySet<string>) => readonly string[] {
  const shared = new Map<string, readonly string[]>();
  return (deps) => {
    if (deps.size === 0) return NO_DEPS;
    const list = [...deps];
    const key = list.join('\u0000');
    const known = shared.get(key);
    if (known !== undefined) return known;
    shared.set(key, list);
    return list;
  };
}

/** `2024-01-15`, or `2024-01-15..2024-01-21` for a batch. */
function batchLabel(group: readonly Todo[], grain: Grain): string {
  const first = group[0]!.window;
  return group.length === 1
    ? windowLabel(first, grain)
    : `${windowLabel(first, grain)}..${windowLabel(group[group.length - 1]!.window, grain)}`;
}

/** The state without drifted windows (a table built aside has no drift). */
function withoutDrift(state: WarehouseState): WarehouseState {
  return { ...state, drifted: new Map() };
}

/** The windows to build grouped by reason, each list in time order. */
function groupReasons(todo: readonly Todo[]): WindowReason[] {
  type Group = WindowReason & { windows: Window[] };
  const groups: Group[] = [];
  const byState = new Map<PlannedState, Map<string, Group>>();
  // Runs of windows share their reason: the last group is tried first, and no key is made a
  // window (a string each, 0.15 s over 876,000 windows).
  let last: Group | undefined;
  for (const t of todo) {
    if (last?.reason === t.reason && last.state === t.state) {
      last.windows.push(t.window);
      continue;
    }
    let byReason = byState.get(t.state);
    if (byReason === undefined) byState.set(t.state, (byReason = new Map<string, Group>()));
    last = byReason.get(t.reason);
    if (last) last.windows.push(t.window);
    else {
      last = { reason: t.reason, state: t.state, windows: [t.window] };
      byReason.set(t.reason, last);
      groups.push(last);
    }
  }
  return groups;
}
