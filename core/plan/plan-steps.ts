import { EtlError, ProjectErrors } from '../errors.js';
import type { CompiledGraph, CompiledModel, CompiledNode } from '../compile/compiled-graph.js';
import { renderModel } from '../compile/compile-project.js';
import type { PartitionRecord } from '../state/ledger.js';
import type { WarehouseState } from '../state/warehouse-state.js';
import type { ModelWindows, Plan, SkippedNode, Step } from './plan.js';
import { DAY_MS, formatDay, mergeWindows, windowLabel, type Window } from './window.js';

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
  readonly fullRefresh: boolean;
  /** Reload selected seeds even when unchanged. */
  readonly forceSeeds?: boolean;
  /** Hash of each selected seed file's bytes. */
  readonly seedHashes: ReadonlyMap<string, string>;
}

/**
 * Plan a run as a DAG of steps: changed or missing seeds, every selected view and table, and
 * the wanted windows of each incremental model that are missing or stale (or all, when forced),
 * batched. A window step depends on the overlapping steps of its incremental upstream models
 * (seen through views), so a backfill is a DAG of partitions, not of models. Every template
 * error is collected and thrown at once, before anything runs.
 */
export function planSteps(
  compiled: CompiledGraph,
  state: WarehouseState,
  options: PlanOptions,
  scope: PlanScope,
): Plan {
  const steps: Step[] = [];
  const skipped: SkippedNode[] = [];
  const windows: ModelWindows[] = [];
  const errors: EtlError[] = [];
  /** Steps of each model, in time order. */
  const stepsOf = new Map<string, Step[]>();
  const add = (step: Step): void => {
    steps.push(step);
    const list = stepsOf.get(step.model);
    if (list) list.push(step);
    else stepsOf.set(step.model, [step]);
  };
  const nodeOf = (name: string): CompiledNode => compiled.nodes.get(name) as CompiledNode;

  /** Steps of `name` (and, through views, of its upstream) whose windows overlap `span`. */
  const dataDeps = (name: string, span: Window | undefined, out: Set<string>): void => {
    const node = nodeOf(name);
    const own = stepsOf.get(name) ?? [];
    if (node.kind === 'model' && node.config.materialized === 'incremental' && span) {
      for (const s of overlapping(own, span)) out.add(s.id);
    } else for (const s of own) out.add(s.id);
    if (node.kind === 'model' && node.config.materialized === 'view')
      for (const parent of compiled.graph.parents(name)) dataDeps(parent, span, out);
  };
  /** Steps that must exist before a view over `name` can be created. */
  const creationDeps = (name: string, out: Set<string>): void => {
    const own = stepsOf.get(name) ?? [];
    const first = own[0];
    const node = nodeOf(name);
    if (node.kind === 'model' && node.config.materialized === 'incremental') {
      if (first && !state.relations.has(name)) out.add(first.id);
    } else for (const s of own) out.add(s.id);
  };

  const testTargets = new Map<string, string[]>();
  for (const t of compiled.tests)
    if (t.to !== undefined && t.to !== t.model)
      testTargets.set(t.model, [...(testTargets.get(t.model) ?? []), t.to]);

  for (const name of compiled.runOrder) {
    if (!options.selected.has(name)) continue;
    const node = nodeOf(name);
    if (node.kind === 'seed') {
      const reason = seedReason(node.name, node.fingerprint, state, options);
      if (reason === undefined) skipped.push({ model: name, reason: 'unchanged' });
      else add(stepOf(name, 'seed', [], scope.day, '', false, false, [], reason));
      continue;
    }
    const absent = compiled.graph
      .parents(name)
      .filter((p) => !options.selected.has(p) && !state.relations.has(p));
    if (absent.length > 0) {
      errors.push(
        new EtlError(
          'E_UPSTREAM_MISSING',
          `model '${name}' reads ${absent.map((a) => `'${a}'`).join(', ')}, which ${absent.length === 1 ? 'is' : 'are'} not in the warehouse and not selected`,
          { location: { file: node.file }, hint: `select it too: -s +${name}` },
        ),
      );
      continue;
    }
    const render = (window: Window, isIncremental: boolean): string => {
      try {
        return renderModel(compiled, node, { window, isIncremental });
      } catch (error) {
        errors.push(error as EtlError);
        return '';
      }
    };
    const { config } = node;
    const parents = compiled.graph.parents(name);
    // Its relationships tests run in its write transaction: their targets must exist first.
    const testDeps = new Set<string>();
    for (const target of testTargets.get(name) ?? []) creationDeps(target, testDeps);

    if (config.materialized !== 'incremental') {
      const deps = new Set<string>(testDeps);
      if (config.materialized === 'view') for (const p of parents) creationDeps(p, deps);
      else for (const p of parents) dataDeps(p, undefined, deps);
      const current = state.relations.has(name) && state.builds.get(name) === node.fingerprint;
      if (!scope.rebuildUnchanged && current && deps.size === 0) {
        skipped.push({ model: name, reason: 'unchanged' });
        continue;
      }
      const reason = !state.relations.has(name) ? 'missing' : current ? 'rebuild' : 'changed';
      const sql = render(scope.day, false);
      add(stepOf(name, config.materialized, [], scope.day, sql, false, false, [...deps], reason));
      continue;
    }

    const exists = state.relations.get(name) === 'table' && !options.fullRefresh;
    const wanted = [...scope.windowsOf(node)]
      .filter((w) => config.start === undefined || w.start >= config.start)
      .sort((a, b) => a.start - b.start);
    if (wanted.length === 0) {
      skipped.push({
        model: name,
        reason:
          config.start !== undefined && scope.windowsOf(node).length > 0
            ? `before its start (${formatDay(config.start)})`
            : config.start === undefined && scope.command === 'run'
              ? 'no start in its config, so run cannot tell where it begins'
              : 'no windows in range',
      });
      continue;
    }
    const done = new Map<number, PartitionRecord>();
    for (const r of options.fullRefresh ? [] : (state.partitions.get(name) ?? []))
      done.set(r.window.start, r);
    const todo: { window: Window; reason: string }[] = [];
    const counts = { done: 0, missing: 0, stale: 0, forced: 0 };
    for (const window of wanted) {
      const record = done.get(window.start);
      if (record === undefined || record.window.end !== window.end) {
        counts.missing++;
        todo.push({ window, reason: 'missing' });
      } else if (record.fingerprint !== node.fingerprint) {
        counts.stale++;
        todo.push({ window, reason: 'stale' });
      } else if (state.drifted?.get(name)?.has(window.start)) {
        counts.stale++;
        todo.push({ window, reason: 'drift' });
      } else if (scope.force) {
        counts.forced++;
        todo.push({ window, reason: 'forced' });
      } else counts.done++;
    }
    const upsert = config.uniqueKey !== undefined;
    // Windows of one model run in parallel unless the model reads itself or upserts, or its
    // table does not exist yet (the first step creates it).
    const chained = upsert || node.readsItself;
    if (chained) counts.stale += replayLater(todo, [...done.values()], config.start);
    const size = upsert ? 1 : Math.max(1, scope.batchSize ?? config.batchSize);
    const batches = batch(todo, size);
    windows.push({
      model: name,
      total: wanted.length,
      ...counts,
      batches: batches.length,
      range: { start: wanted[0]!.start, end: wanted[wanted.length - 1]!.end },
    });
    if (batches.length === 0) {
      skipped.push({ model: name, reason: `all ${wanted.length} windows done` });
      continue;
    }
    let previous: Step | undefined;
    let first: Step | undefined;
    const kind = upsert ? 'upsert' : 'incremental';
    const lazyRender = (window: Window, isIncremental: boolean): string =>
      renderModel(compiled, node, { window, isIncremental });
    for (const group of batches) {
      const only = group.length === 1 ? group[0]!.window : undefined;
      const span = only ?? mergeWindows(group.map((g) => g.window));
      const isIncremental = exists || first !== undefined;
      const deps = new Set<string>(testDeps);
      for (const p of parents) dataDeps(p, span, deps);
      if (chained && previous) deps.add(previous.id);
      else if (!exists && first) deps.add(first.id);
      const label =
        only !== undefined
          ? windowLabel(only, config.grain)
          : `${windowLabel(group[0]!.window, config.grain)}..${windowLabel(group[group.length - 1]!.window, config.grain)}`;
      // The first windows are rendered now, so that template errors stop the run before it
      // writes anything; the rest when they run.
      const eager = first === undefined || previous === first;
      const step = new PlannedStep(
        `${name}@${label}`,
        name,
        kind,
        only !== undefined ? [only] : group.map((g) => g.window),
        span,
        isIncremental,
        options.fullRefresh && first === undefined,
        deps.size === 0 ? NO_DEPS : [...deps],
        group.some((g) => g.reason === 'stale') ? 'stale' : (group[0]?.reason ?? 'missing'),
        eager ? render(span, isIncremental) : lazyRender,
      );
      add(step);
      first ??= step;
      previous = step;
    }
  }
  if (errors.length > 0) throw new ProjectErrors(errors);
  return { command: scope.command, steps, skipped, windows };
}

function stepOf(
  model: string,
  kind: Step['kind'],
  windows: readonly Window[],
  renderWindow: Window,
  sql: string,
  isIncremental: boolean,
  fullRefresh: boolean,
  dependsOn: readonly string[],
  reason: string,
  label?: string,
): Step {
  const base = {
    id: label === undefined ? model : `${model}@${label}`,
    model,
    kind,
    windows,
    renderWindow,
    isIncremental,
    fullRefresh,
    dependsOn,
    reason,
  };
  return { ...base, sql };
}

const NO_DEPS: readonly string[] = [];

/**
 * A window step whose SQL is rendered when first read, so that planning a million windows
 * renders none of them; the renderer is shared by a model's steps.
 */
class PlannedStep implements Step {
  #sql: string | undefined;
  constructor(
    readonly id: string,
    readonly model: string,
    readonly kind: Step['kind'],
    readonly windows: readonly Window[],
    readonly renderWindow: Window,
    readonly isIncremental: boolean,
    readonly fullRefresh: boolean,
    readonly dependsOn: readonly string[],
    readonly reason: string,
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

function seedReason(
  name: string,
  fingerprint: string,
  state: WarehouseState,
  options: PlanOptions,
): string | undefined {
  if (options.forceSeeds) return 'forced';
  if (!state.relations.has(name)) return 'missing';
  const loaded = state.seeds.get(name);
  if (loaded?.fileHash !== options.seedHashes.get(name)) return 'changed';
  if (loaded?.fingerprint !== fingerprint) return 'config changed';
  return undefined;
}

/** Group windows to build into runs of consecutive windows, at most `size` each. */
export function batch<T extends { window: Window }>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  for (const item of items) {
    const last = current[current.length - 1];
    if (last && (current.length >= size || last.window.end !== item.window.start)) {
      groups.push(current);
      current = [];
    }
    current.push(item);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Steps (sorted by start, non-overlapping) whose span overlaps `span`; binary search. */
function overlapping(steps: readonly Step[], span: Window): Step[] {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid]!.renderWindow.end <= span.start) lo = mid + 1;
    else hi = mid;
  }
  const out: Step[] = [];
  for (let i = lo; i < steps.length && steps[i]!.renderWindow.start < span.end; i++)
    out.push(steps[i]!);
  return out;
}

/** The day window starting at `day`. */
export function dayWindow(day: number): Window {
  return { start: day, end: day + DAY_MS };
}

/**
 * A model whose windows build on earlier ones (an upsert, or one that reads itself) is only
 * right when its windows were applied in time order. So every recorded window after the
 * earliest one to build is applied again, and so is every window recorded before an earlier
 * one (a crash in the middle of a replay leaves exactly that). Adds them to `todo` (kept in
 * time order) and returns how many were added.
 */
function replayLater(
  todo: { window: Window; reason: string }[],
  records: readonly PartitionRecord[],
  start: number | undefined,
): number {
  const sorted = [...records].sort((a, b) => a.window.start - b.window.start);
  let earliest = todo[0]?.window.start ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.finishedAt < sorted[i - 1]!.finishedAt) {
      // sorted[i] was applied before sorted[i - 1] was rebuilt: it and all after it are out of date.
      earliest = Math.min(earliest, sorted[i - 1]!.window.start);
      break;
    }
  }
  const planned = new Set(todo.map((t) => t.window.start));
  let added = 0;
  for (const r of sorted) {
    if (r.window.start <= earliest || planned.has(r.window.start)) continue;
    if (start !== undefined && r.window.start < start) continue;
    todo.push({ window: r.window, reason: 'replay' });
    added++;
  }
  if (added > 0) todo.sort((a, b) => a.window.start - b.window.start);
  return added;
}
