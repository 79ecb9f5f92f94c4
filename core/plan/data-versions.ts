import { hash as digestOf } from 'node:crypto';
import type { CompiledGraph, CompiledModel } from '../compile/compiled-graph.js';
import { normalizeSql } from '../compile/fingerprint.js';
import type { PartitionRecord } from '../state/ledger.js';
import type { WarehouseState } from '../state/warehouse-state.js';
import { addGrain, floorToGrain, windowLabel, type Grain, type Window } from '../time/window.js';

/**
 * What a model reads, seen through views (which hold no data of their own): the windows of a
 * time-windowed model, or the whole of a table, an upsert model or a seed. Sources are not
 * seen: etl cannot tell that a source changed without reading it.
 */
export type ModelInput =
  | {
      readonly kind: 'windows';
      readonly name: string;
      readonly grain: Grain;
      readonly start: number | undefined;
    }
  | { readonly kind: 'whole'; readonly name: string; readonly type: 'seed' | 'table' };

/** A window this run wrote: its content hash and whether it is partial. */
export interface WrittenWindow {
  readonly window: Window;
  readonly contentHash: string;
  readonly partial?: string | undefined;
}

/** The data version of what a window read, and the inputs that were missing. */
export interface InputVersion {
  readonly version: string;
  /** Windows of windowed inputs that do not exist (yet), by input. */
  readonly missing: readonly { readonly name: string; readonly windows: readonly Window[] }[];
  /** Whole inputs (tables, seeds) that do not exist. */
  readonly missingWhole: readonly string[];
  /** Some window it read is itself partial. */
  readonly partialInputs: boolean;
}

/**
 * The data versions of a warehouse: the content hash of every window, table and seed as the
 * ledger records them (and as this run changes them), and the input version of a window: a
 * hash over the versions of every part of its inputs that overlaps its input range (the
 * window less its lookback). A window is stale when the version it recorded differs from the
 * one computed now; an upstream rebuilt with the same content changes nothing.
 */
export class DataVersions {
  private readonly inputs = new Map<string, readonly ModelInput[]>();
  private readonly hashes = new Map<string, Map<number, string>>();
  /** Windows recorded partial, by model (their readers are partial too). */
  private readonly partials = new Map<string, Set<number>>();
  private readonly records = new Map<string, Map<number, PartitionRecord>>();
  /** Where the chain of a model whose windows build on earlier ones first breaks. */
  private readonly broken = new Map<string, number>();
  /** The version of models that read no windows, the same for each of their windows. */
  private readonly constant = new Map<string, InputVersion>();
  private readonly whole = new Map<string, string | undefined>();
  /** Reasons of models that read no windows, by model and recorded input version. */
  private readonly wholeReasons = new Map<string, string[]>();

  constructor(
    private readonly compiled: CompiledGraph,
    private readonly state: WarehouseState,
    /** The version each seed will have in this run: its file on disk (selected seeds). */
    private readonly seedHashes: ReadonlyMap<string, string>,
  ) {}

  /** What `name` reads, through views, sorted by name; itself excluded. */
  inputsOf(name: string): readonly ModelInput[] {
    let found = this.inputs.get(name);
    if (found) return found;
    const out = new Map<string, ModelInput>();
    const seen = new Set<string>([name]);
    const visit = (parent: string): void => {
      if (seen.has(parent)) return;
      seen.add(parent);
      const node = this.compiled.nodes.get(parent);
      if (node === undefined) return;
      if (node.kind === 'seed') out.set(parent, { kind: 'whole', name: parent, type: 'seed' });
      else if (node.config.materialized === 'view')
        for (const p of this.compiled.graph.parents(parent)) visit(p);
      else if (node.config.materialized === 'incremental' && node.config.uniqueKey === undefined)
        out.set(parent, {
          kind: 'windows',
          name: parent,
          grain: node.config.grain,
          start: node.config.start,
        });
      else out.set(parent, { kind: 'whole', name: parent, type: 'table' });
    };
    for (const p of this.compiled.graph.parents(name)) visit(p);
    found = [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.inputs.set(name, found);
    return found;
  }

  /** Where the input range of a window of `model` starts: its lookback windows earlier. */
  inputStart(model: CompiledModel, window: Window): number {
    const { config } = model;
    if (config.uniqueKey !== undefined || config.lookback === 0) return window.start;
    return addGrain(floorToGrain(window.start, config.grain), config.grain, -config.lookback);
  }

  /** The input version of `window` of `model`, over its input range from `from`. */
  versionOf(
    model: CompiledModel,
    window: Window,
    from = this.inputStart(model, window),
  ): InputVersion {
    // A model that reads no windows reads the same whatever its window: one version for all.
    const cached = this.constant.get(model.name);
    if (cached) return cached;
    const inputs = this.inputsOf(model.name);
    const constant = !inputs.some((i) => i.kind === 'windows');
    const components: string[] = [];
    // Made only when something is missing (a window's version is worked out for each window).
    let missing: { name: string; windows: Window[] }[] | undefined;
    let missingWhole: string[] | undefined;
    let partialInputs = false;
    for (const input of inputs) {
      if (input.kind === 'whole') {
        const version = this.wholeVersion(input.name);
        components.push(componentHash([input.name, version ?? '-']));
        if (version === undefined) (missingWhole ??= []).push(input.name);
        continue;
      }
      const parts = [input.name];
      const hashes = this.windowHashes(input.name);
      const partial = this.partials.get(input.name);
      let gaps: Window[] | undefined;
      // The input's windows overlapping [from, end), at or after its start (inputWindows),
      // without an object each.
      for (let start = floorToGrain(from, input.grain); start < window.end;) {
        const next = addGrain(start, input.grain, 1);
        if (input.start === undefined || start >= input.start) {
          const hash = hashes.get(start);
          parts.push(String(start), hash ?? '-');
          if (hash === undefined) (gaps ??= []).push({ start, end: next });
          else if (partial !== undefined && partial.size > 0 && partial.has(start))
            partialInputs = true;
        }
        start = next;
      }
      components.push(componentHash(parts));
      if (gaps) (missing ??= []).push({ name: input.name, windows: gaps });
    }
    const version = {
      version: joinComponents(components),
      missing: missing ?? NONE_MISSING,
      missingWhole: missingWhole ?? NONE,
      partialInputs,
    };
    if (constant) this.constant.set(model.name, version);
    return version;
  }

  /** The input version of a table model: every part of every input, and its rendered SQL. */
  versionOfWhole(model: CompiledModel, sql: string): InputVersion {
    // The SQL as rendered for the run's day: a table written against {{ end }} differs by day.
    const parts: string[] = ['sql', sqlVersion(sql)];
    const missingWhole: string[] = [];
    for (const input of this.inputsOf(model.name)) {
      parts.push(input.name);
      if (input.kind === 'whole') {
        const version = this.wholeVersion(input.name);
        parts.push(version ?? '-');
        if (version === undefined) missingWhole.push(input.name);
      } else {
        const hashes = this.windowHashes(input.name);
        for (const start of [...hashes.keys()].sort((a, b) => a - b))
          parts.push(String(start), hashes.get(start)!);
      }
    }
    return { version: versionHash(parts), missing: [], missingWhole, partialInputs: false };
  }

  /** The version of a table, upsert model or seed; undefined when it does not exist. */
  wholeVersion(name: string): string | undefined {
    if (this.whole.has(name)) return this.whole.get(name);
    const node = this.compiled.nodes.get(name);
    let version: string | undefined;
    if (node?.kind === 'seed') {
      const loaded = this.state.seeds.get(name);
      const file = this.seedHashes.get(name) ?? loaded?.fileHash;
      version =
        file === undefined ? undefined : `${file.slice(0, 16)}:${node.fingerprint.slice(0, 16)}`;
    } else {
      const build = this.state.builds.get(name);
      // A table built before data versions has no content hash: it counts as unknown until
      // it is built again.
      version = !this.state.relations.has(name) ? undefined : (build?.contentHash ?? 'unknown');
    }
    this.whole.set(name, version);
    return version;
  }

  /** The content hash of each window of a windowed model, by window start. */
  windowHashes(name: string): Map<number, string> {
    let map = this.hashes.get(name);
    if (map === undefined) {
      map = new Map();
      const partial = new Set<number>();
      // Without its table, the windows the ledger records are not there to read.
      const records =
        this.state.relations.get(name) === 'table' ? (this.state.partitions.get(name) ?? []) : [];
      for (const r of records) {
        map.set(r.window.start, r.contentHash ?? '');
        if (r.partial !== undefined) partial.add(r.window.start);
      }
      this.hashes.set(name, map);
      this.partials.set(name, partial);
    }
    return map;
  }

  /**
   * For a model whose windows build on earlier ones (an upsert, or one that reads itself):
   * whether one of its windows before `window`, from its start, is missing or partial, so that
   * `window`, built on it, is partial too.
   */
  chainPartial(model: CompiledModel, window: Window): boolean {
    if (model.config.uniqueKey === undefined && !model.readsItself) return false;
    let broken = this.broken.get(model.name);
    if (broken === undefined) {
      const hashes = this.windowHashes(model.name);
      const partial = this.partials.get(model.name)!;
      const grain = model.config.uniqueKey !== undefined ? 'day' : model.config.grain;
      const starts = [...hashes.keys()].sort((a, b) => a - b);
      const first = model.config.start ?? starts[0];
      broken = Infinity;
      if (first !== undefined) {
        // The first window from the start that is missing or partial; after the last one
        // recorded, every window is missing.
        let expected = floorToGrain(first, grain);
        for (const start of starts) {
          if (start < expected) continue;
          if (start !== expected || partial.has(start)) break;
          expected = addGrain(expected, grain, 1);
        }
        broken = expected;
        const firstPartial = starts.find((s) => s >= first && partial.has(s));
        if (firstPartial !== undefined) broken = Math.min(broken, firstPartial);
      }
      this.broken.set(model.name, broken);
    }
    return broken < window.start;
  }

  /** This run wrote windows of `name`: later versions see their content. */
  recordWindows(name: string, windows: readonly WrittenWindow[]): void {
    this.broken.delete(name);
    const map = this.windowHashes(name);
    const partial = this.partials.get(name)!;
    for (const w of windows) {
      map.set(w.window.start, w.contentHash);
      if (w.partial === undefined) partial.delete(w.window.start);
      else partial.add(w.window.start);
    }
  }

  /** This run replaced every window of `name` (a full refresh swapped in). */
  replaceWindows(name: string, windows: readonly WrittenWindow[]): void {
    this.broken.delete(name);
    this.hashes.set(name, new Map());
    this.partials.set(name, new Set());
    this.recordWindows(name, windows);
  }

  /** This run wrote a table, upsert model or seed. */
  recordWhole(name: string, version: string): void {
    this.whole.set(name, version);
    this.constant.clear();
    this.wholeReasons.clear();
  }

  /**
   * Why a recorded window's input version differs from today's, in words: each upstream part
   * rebuilt since (`upstream orders 2018-01-05 changed`), that appeared since (`... were
   * missing`) or is missing now, and each table or seed written since.
   */
  explain(model: CompiledModel, record: PartitionRecord): string[] {
    const reasons = this.changes(model, record);
    return reasons.length > 0 ? reasons : ['inputs changed'];
  }

  /**
   * What changed among the inputs of a recorded window since it was built, in words. With an
   * input version, only the inputs whose part of it differs are named; a row from before data
   * versions names what was written after it (etl cannot tell whether its rows changed).
   */
  changes(model: CompiledModel, record: PartitionRecord): string[] {
    const inputs = this.inputsOf(model.name);
    // Reading no windows, every window with the same recorded version has the same reasons.
    if (record.inputVersion !== undefined && inputs.every((i) => i.kind === 'whole')) {
      const key = `${model.name}\u0000${record.inputVersion}`;
      let reasons = this.wholeReasons.get(key);
      if (reasons === undefined) {
        reasons = this.describe(model, record, inputs);
        this.wholeReasons.set(key, reasons);
      }
      return reasons;
    }
    return this.describe(model, record, inputs);
  }

  private describe(
    model: CompiledModel,
    record: PartitionRecord,
    inputs: readonly ModelInput[],
  ): string[] {
    const from = record.inputStart ?? record.window.start;
    let differs: (i: number) => boolean = () => true;
    if (record.inputVersion !== undefined) {
      const before = record.inputVersion.split('.');
      const now = this.versionOf(model, record.window, from).version.split('.');
      if (before.length !== now.length) return ['what it reads changed'];
      differs = (i) => before[i] !== now[i];
    }
    const reasons: string[] = [];
    inputs.forEach((input, i) => {
      if (!differs(i)) return;
      if (input.kind === 'whole') {
        const node = this.compiled.nodes.get(input.name);
        if (node?.kind === 'seed') {
          const loaded = this.state.seeds.get(input.name);
          const pending =
            loaded !== undefined &&
            this.seedHashes.has(input.name) &&
            this.seedHashes.get(input.name) !== loaded.fileHash;
          if (pending || record.inputVersion !== undefined || (loaded?.seq ?? 0) > record.seq)
            reasons.push(`seed ${input.name} changed`);
        } else if (this.wholeVersion(input.name) === undefined)
          reasons.push(`upstream ${input.name} is missing`);
        else if (
          record.inputVersion !== undefined ||
          (this.state.builds.get(input.name)?.seq ?? 0) > record.seq
        )
          reasons.push(`upstream ${input.name} changed`);
        return;
      }
      const byStart = this.recordsOf(input.name);
      const groups = {
        changed: [] as Window[],
        'were missing': [] as Window[],
        'are missing': [] as Window[],
      };
      for (const w of this.inputWindows(input, from, record.window.end)) {
        const r = byStart.get(w.start);
        if (r === undefined) {
          if (record.inputVersion !== undefined) groups['are missing'].push(w);
        } else if (r.firstSeq > record.seq) groups['were missing'].push(w);
        else if (r.seq > record.seq) groups.changed.push(w);
      }
      const before = reasons.length;
      for (const [what, windows] of Object.entries(groups))
        if (windows.length > 0)
          reasons.push(`upstream ${input.name} ${labelRanges(windows, input.grain)} ${what}`);
      if (reasons.length === before && record.inputVersion !== undefined)
        reasons.push(`upstream ${input.name} changed`);
    });
    return reasons;
  }

  /** The ledger's records of a model by window start (as the run began). */
  private recordsOf(name: string): Map<number, PartitionRecord> {
    let map = this.records.get(name);
    if (map === undefined) {
      map = new Map((this.state.partitions.get(name) ?? []).map((r) => [r.window.start, r]));
      this.records.set(name, map);
    }
    return map;
  }

  /** Windows of a windowed input overlapping `[from, end)`, at or after its start. */
  inputWindows(
    input: Extract<ModelInput, { kind: 'windows' }>,
    from: number,
    end: number,
  ): Window[] {
    const out: Window[] = [];
    let start = floorToGrain(from, input.grain);
    while (start < end) {
      const next = addGrain(start, input.grain, 1);
      if (input.start === undefined || start >= input.start) out.push({ start, end: next });
      start = next;
    }
    return out;
  }
}

/** Nothing missing, shared by the versions that have nothing missing. */
const NONE: readonly string[] = Object.freeze([]);
const NONE_MISSING: InputVersion['missing'] = Object.freeze([]);

/**
 * The version of what a view or table renders for a run: its SQL without comments and
 * whitespace (so that only a change of what it selects counts).
 */
export function sqlVersion(sql: string): string {
  return versionHash([normalizeSql(sql)]);
}

/**
 * One input's part of an input version: 48 bits of SHA-256, so that a version says which of
 * a window's inputs changed.
 */
function componentHash(parts: readonly string[]): string {
  // One call, no Hash object: half the time over a million windows' versions.
  return digestOf('sha256', parts.join('\n'), 'hex').slice(0, 12);
}

/** An input version from its parts (`none` for a model that reads nothing etl can see). */
function joinComponents(components: readonly string[]): string {
  return components.length === 0 ? 'none' : components.join('.');
}

/** A short hash of the parts of a version (128 bits of SHA-256). */
function versionHash(parts: readonly string[]): string {
  return digestOf('sha256', parts.join('\n'), 'hex').slice(0, 32);
}

/** `2018-01-05`, `2018-01-06..2018-01-31`, `2018-01-01..2018-01-03, 2018-01-05`. */
export function labelRanges(windows: readonly Window[], grain?: Grain, max = 3): string {
  const ranges: [Window, Window][] = [];
  for (const w of windows) {
    const last = ranges[ranges.length - 1];
    if (last && last[1].end === w.start) last[1] = w;
    else ranges.push([w, w]);
  }
  const shown = ranges
    .slice(0, max)
    .map(([a, b]) =>
      a === b ? windowLabel(a, grain) : `${windowLabel(a, grain)}..${windowLabel(b, grain)}`,
    );
  if (ranges.length > max) shown.push(`and ${ranges.length - max} more ranges`);
  return shown.join(', ');
}
