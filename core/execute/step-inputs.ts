import type { CompiledGraph, CompiledModel } from '../compile/compiled-graph.js';
import { sqlVersion, type DataVersions } from '../plan/data-versions.js';
import { windowStanding } from '../plan/window-state.js';
import type { Step } from '../plan/plan.js';
import { renderStep } from '../plan/render-step.js';
import { windowsOverlapping, type Window } from '../time/window.js';
import type { PartitionRecord } from '../state/ledger.js';
import type { WarehouseState } from '../state/warehouse-state.js';
import type { ModelWrite, WindowInputs, WriteResult } from '../materialize/write-context.js';

/**
 * What each step reads, worked out when its turn comes (after the steps it depends on), from
 * the data versions of the warehouse as this run has changed them: the input version of each
 * window it writes, or of a table's whole input. A conditional step whose inputs turn out the
 * same as when its windows were built is not written at all.
 */
export class StepInputs {
  private readonly records = new Map<string, Map<number, PartitionRecord>>();
  private readonly chains = new Map<string, { broken: boolean }>();

  constructor(
    private readonly compiled: CompiledGraph,
    private readonly state: WarehouseState,
    private readonly versions: DataVersions,
    private readonly now: () => number,
  ) {}

  /**
   * The write of `step`, or undefined when it is conditional and its inputs did not change
   * (unless `always`: what it would write if it ran).
   */
  of(step: Step, always = false): ModelWrite | undefined {
    const model = this.compiled.nodes.get(step.model);
    if (model?.kind !== 'model') throw new Error(`no model named ${step.model}`);
    // Rendered when its turn comes: a template error of a later window fails that step only.
    const sql = renderStep(this.compiled, step);
    switch (step.kind) {
      case 'incremental':
      case 'upsert': {
        if (!always && step.conditional && step.windows.every((w) => this.unchanged(model, w)))
          return undefined;
        const inputs = new Map(
          step.windows.map((w) => [w.start, this.windowInputs(model, w, step)]),
        );
        const table = this.versions.wholeVersion(model.name);
        const tableHash =
          step.kind === 'upsert' && step.refresh === undefined && table !== 'unknown'
            ? table
            : undefined;
        return { step, model, sql, inputs, ...(tableHash === undefined ? {} : { tableHash }) };
      }
      case 'table': {
        const inputVersion = this.versions.versionOfWhole(model, sql).version;
        const build = this.state.builds.get(model.name);
        if (!always && step.conditional && build?.inputVersion === inputVersion) return undefined;
        return { step, model, sql, inputVersion, seen: build?.seq ?? 0 };
      }
      case 'view': {
        const seen = this.state.builds.get(model.name)?.seq ?? 0;
        return { step, model, sql, inputVersion: sqlVersion(sql), seen };
      }
      default:
        return { step, model, sql };
    }
  }

  /**
   * For a model whose windows build on earlier ones: whether an earlier window (from its
   * start) is missing or partial, so that this one, built on it, is partial too. Its steps run
   * in time order, so the answer is kept and carried along as they commit.
   */
  private chainBroken(model: CompiledModel, window: Window, step: Step): boolean {
    if (model.config.uniqueKey === undefined && !model.readsItself) return false;
    if (step.refresh === undefined) return this.versions.chainPartial(model, window);
    // Written aside: the windows an interrupted refresh kept, then those of this run.
    const key = model.name;
    let chain = this.chains.get(key);
    if (chain === undefined) {
      const records =
        step.refresh === 'start' ? [] : (this.state.refreshing?.get(model.name) ?? []);
      const grain = model.config.uniqueKey !== undefined ? 'day' : model.config.grain;
      const byStart = new Map(records.map((r) => [r.window.start, r]));
      const first = model.config.start ?? records[0]?.window.start ?? window.start;
      let broken = false;
      for (const w of windowsOverlapping(first, window.start, grain)) {
        const r = byStart.get(w.start);
        if (r === undefined || r.partial !== undefined) broken = true;
      }
      chain = { broken };
      this.chains.set(key, chain);
    }
    return chain.broken;
  }

  /** `step` committed: later steps read what it wrote. */
  written(step: Step, result: WriteResult): void {
    const { model } = step;
    const chain = step.refresh === undefined ? undefined : this.chains.get(model);
    if (chain && result.windows.some((w) => w.partial !== undefined)) chain.broken = true;
    switch (step.kind) {
      case 'incremental':
      case 'upsert':
        if (step.refresh !== undefined) return;
        this.versions.recordWindows(model, result.windows);
        if (step.kind === 'upsert' && result.contentHash !== undefined)
          this.versions.recordWhole(model, result.contentHash);
        return;
      case 'table':
        if (result.contentHash !== undefined) this.versions.recordWhole(model, result.contentHash);
        return;
      case 'swap': {
        this.versions.replaceWindows(model, result.windows);
        const node = this.compiled.nodes.get(model);
        if (node?.kind === 'model' && node.config.uniqueKey !== undefined && result.contentHash)
          this.versions.recordWhole(model, result.contentHash);
        return;
      }
      default:
    }
  }

  /** What a window reads now: its input version, and whether it is partial. */
  private windowInputs(model: CompiledModel, window: Window, step: Step): WindowInputs {
    const inputStart = this.versions.inputStart(model, window);
    const read = this.versions.versionOf(model, window, inputStart);
    const partial = [
      this.now() < window.end ? 'open' : undefined,
      read.missing.length > 0 || read.missingWhole.length > 0 ? 'inputs missing' : undefined,
      read.partialInputs || this.chainBroken(model, window, step) ? 'inputs partial' : undefined,
    ].filter((p) => p !== undefined);
    return {
      version: read.version,
      inputStart,
      partial: partial.length > 0 ? partial.join(', ') : undefined,
      seen: this.recordOf(model, window)?.seq ?? 0,
    };
  }

  /** The newest ledger row of a window when planned. */
  private recordOf(model: CompiledModel, window: Window): PartitionRecord | undefined {
    let byStart = this.records.get(model.name);
    if (byStart === undefined) {
      byStart = new Map(
        (this.state.partitions.get(model.name) ?? []).map((r) => [r.window.start, r]),
      );
      this.records.set(model.name, byStart);
    }
    return byStart.get(window.start);
  }

  /** A done window whose inputs are as they were when it was built. */
  private unchanged(model: CompiledModel, window: Window): boolean {
    const record = this.recordOf(model, window);
    // A row from before data versions does not say what it read: it is rebuilt.
    if (record?.inputVersion === undefined) return false;
    const context = { versions: this.versions, state: this.state, now: this.now() };
    return windowStanding(model, window, record, context).state === 'done';
  }
}
