import type { CompiledGraph, CompiledModel } from '../compile/compiled-graph.js';
import { EMPTY_STATE, type LedgerScope } from '../state/warehouse-state.js';
import { DAY_MS, type Grain, type Window } from '../time/window.js';
import { DataVersions } from './data-versions.js';

/** The longest a window of each grain can be. */
const GRAIN_MS: Record<Grain, number> = {
  hour: 3_600_000,
  day: DAY_MS,
  week: 7 * DAY_MS,
  month: 31 * DAY_MS,
};

/**
 * The part of each model's history a plan of the given windows can look at, so that a
 * `build --date` over ten years of windows reads the ledger rows of a few days, not of ten
 * years. Per incremental model, a span of time: its ledger rows overlapping it are all the
 * plan reads of it. A model left out of the map is read whole:
 * - a model whose windows build on earlier ones (an upsert, or one that reads itself): whether
 *   one is partial depends on every window before it;
 * - a windowed model that a selected table reads: the table's version covers every window.
 *
 * The spans cover, for each selected model, the windows the command wants; beyond them, the
 * done windows an upstream step of the plan may change (the cascade, each model's lookback
 * later, through the whole graph); and, for the inputs of those windows, what their input
 * ranges (each window less its lookback) overlap. Models the plan reads nothing of get an
 * empty span. What a span cannot show (whether the model's history was written under another
 * definition, its first and last windows) is read as a summary (see readLedgerSpans); a plan
 * that then rebuilds a model whole (reading every window of its inputs) is made again from
 * the whole ledger (run-command.ts).
 */
export function ledgerScope(
  compiled: CompiledGraph,
  selected: ReadonlySet<string>,
  windowsOf: (model: CompiledModel) => readonly Window[],
): LedgerScope {
  const versions = new DataVersions(compiled, EMPTY_STATE, new Map());
  const steps = new Map<string, Window>();
  const read = new Map<string, Window>();
  const whole = new Set<string>();
  const reach = new Map<string, number>();
  const widen = (into: Map<string, Window>, name: string, span: Window): void => {
    const had = into.get(name);
    into.set(
      name,
      had === undefined
        ? span
        : { start: Math.min(had.start, span.start), end: Math.max(had.end, span.end) },
    );
  };
  for (const name of compiled.runOrder) {
    const node = compiled.nodes.get(name);
    if (node?.kind !== 'model' || !selected.has(name)) continue;
    const { config } = node;
    if (config.materialized === 'table') {
      for (const input of versions.inputsOf(name))
        if (input.kind === 'windows') whole.add(input.name);
      continue;
    }
    if (config.materialized !== 'incremental') continue;
    if (config.uniqueKey !== undefined || node.readsItself) whole.add(name);
    const grainMs = GRAIN_MS[config.uniqueKey !== undefined ? 'day' : config.grain];
    // The windows wanted, at or after the start.
    for (const w of windowsOf(node))
      if (config.start === undefined || w.start >= config.start) widen(steps, name, w);
    // Done windows whose input range overlaps a step of a windowed input: from the window
    // holding the step's start (less than a window earlier) to its lookback windows after it.
    const inputs = versions.inputsOf(name).filter((i) => i.kind === 'windows');
    for (const input of inputs) {
      const span = steps.get(input.name);
      if (span !== undefined)
        widen(steps, name, {
          start: span.start - grainMs,
          end: span.end + (config.lookback + 1) * grainMs,
        });
    }
    const own = steps.get(name);
    if (own === undefined) continue;
    widen(read, name, own);
    // What the input ranges of those windows read: from their lookback windows earlier (and
    // one more) to their end. A window's recorded input range must fit that (see narrow in
    // warehouse-state.ts: a lookback lowered since is read whole).
    const inputReach = (config.lookback + 1) * grainMs;
    reach.set(name, inputReach);
    for (const input of inputs)
      widen(read, input.name, { start: own.start - inputReach, end: own.end + grainMs });
  }
  const spans = new Map<string, Window>();
  for (const [name, node] of compiled.nodes) {
    if (node.kind !== 'model' || node.config.materialized !== 'incremental') continue;
    if (whole.has(name) || node.config.uniqueKey !== undefined || node.readsItself) continue;
    // As window starts: a window overlapping the span starts less than a window before it.
    const span = read.get(name);
    spans.set(
      name,
      span === undefined
        ? { start: 0, end: 0 }
        : { start: span.start - GRAIN_MS[node.config.grain], end: span.end },
    );
  }
  return { spans, reach };
}
