import { EtlError, ProjectErrors } from '../errors.js';
import type { CompiledGraph, CompiledModel } from '../compile/compiled-graph.js';
import { renderModel } from '../compile/compile-project.js';
import type { WarehouseState } from '../state/warehouse-state.js';
import type { Plan, SkippedNode, Step } from './plan.js';
import { DAY_MS, formatDay, windowLabel, windowsForDay, type Window } from './window.js';

/** Inputs of {@link planBuild}. */
export interface BuildPlanOptions {
  /** The day to build (epoch ms of its start, UTC). */
  readonly date: number;
  /** Selected node names. */
  readonly selected: ReadonlySet<string>;
  readonly fullRefresh: boolean;
  /** Reload selected seeds even when unchanged. */
  readonly forceSeeds?: boolean;
  /** Hash of each selected seed file's bytes. */
  readonly seedHashes: ReadonlyMap<string, string>;
}

/**
 * Plan `build --date D`: changed or missing seeds, every selected view and table, and the
 * windows of D (plus lookback) of each incremental model, in dependency order, with their SQL
 * rendered. Every template error is collected and thrown at once, before anything runs.
 */
export function planBuild(
  compiled: CompiledGraph,
  state: WarehouseState,
  options: BuildPlanOptions,
): Plan {
  const steps: Step[] = [];
  const skipped: SkippedNode[] = [];
  const errors: EtlError[] = [];
  const stepsOf = new Map<string, string[]>();
  const day: Window = { start: options.date, end: options.date + DAY_MS };

  const add = (step: Step): void => {
    steps.push(step);
    stepsOf.set(step.model, [...(stepsOf.get(step.model) ?? []), step.id]);
  };
  const upstreamSteps = (name: string): string[] =>
    compiled.graph.parents(name).flatMap((p) => stepsOf.get(p) ?? []);

  for (const name of compiled.graph.order) {
    if (!options.selected.has(name)) continue;
    const node = compiled.nodes.get(name);
    if (!node) continue;
    if (node.kind === 'seed') {
      const loaded = state.seeds.get(name);
      const reason = options.forceSeeds
        ? 'forced'
        : !state.relations.has(name)
          ? 'missing'
          : loaded?.fileHash !== options.seedHashes.get(name)
            ? 'changed'
            : loaded?.fingerprint !== node.fingerprint
              ? 'config changed'
              : undefined;
      if (reason === undefined) skipped.push({ model: name, reason: 'unchanged' });
      else
        add({
          id: name,
          model: name,
          kind: 'seed',
          windows: [],
          renderWindow: day,
          sql: '',
          isIncremental: false,
          fullRefresh: false,
          dependsOn: [],
          reason,
        });
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
    const { config } = node;
    if (config.materialized !== 'incremental') {
      add({
        id: name,
        model: name,
        kind: config.materialized,
        windows: [],
        renderWindow: day,
        sql: render(day, false),
        isIncremental: false,
        fullRefresh: false,
        dependsOn: upstreamSteps(name),
        reason: 'rebuild',
      });
      continue;
    }
    const exists = state.relations.get(name) === 'table' && !options.fullRefresh;
    if (config.uniqueKey !== undefined) {
      add({
        id: name,
        model: name,
        kind: 'upsert',
        windows: [day],
        renderWindow: day,
        sql: render(day, exists),
        isIncremental: exists,
        fullRefresh: options.fullRefresh,
        dependsOn: upstreamSteps(name),
        reason: exists ? 'upsert' : 'missing',
      });
      continue;
    }
    const windows = windowsForDay(options.date, config.grain, config.lookback).filter(
      (w) => config.start === undefined || w.end > config.start,
    );
    if (windows.length === 0) {
      skipped.push({ model: name, reason: `before its start (${formatDay(config.start ?? 0)})` });
      continue;
    }
    planWindows(node, windows, exists, options.fullRefresh, upstreamSteps(name), render).forEach(
      add,
    );
  }
  if (errors.length > 0) throw new ProjectErrors(errors);
  return { command: 'build', steps, skipped };
}

function planWindows(
  model: CompiledModel,
  windows: readonly Window[],
  exists: boolean,
  fullRefresh: boolean,
  upstream: readonly string[],
  render: (window: Window, isIncremental: boolean) => string,
): Step[] {
  return windows.map((window, i): Step => {
    const isIncremental = exists || i > 0;
    return {
      id: `${model.name}@${windowLabel(window, model.config.grain)}`,
      model: model.name,
      kind: 'incremental',
      windows: [window],
      renderWindow: window,
      sql: render(window, isIncremental),
      isIncremental,
      fullRefresh: fullRefresh && i === 0,
      dependsOn:
        i === 0
          ? [...upstream]
          : [
              ...upstream,
              `${model.name}@${windowLabel(windows[i - 1] as Window, model.config.grain)}`,
            ],
      reason: 'window',
    };
  });
}
