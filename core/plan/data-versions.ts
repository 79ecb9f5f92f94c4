import { createHash } from 'node:crypto';
import type { CompiledGraph, CompiledModel } from '../compile/compiled-graph.js';
import type { PartitionRecord } from '../state/ledger.js';
import type { WarehouseState } from '../state/warehouse-state.js';
import { addGrain, floorToGrain, windowLabel, type Grain, type Window } from './window.js';

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
  /** The version of models that read no windows, the same for each of their windows. */
  private readonly constant = new Map<string, InputVersion>();
  private readonly whole = new Map<string, string | undefined>();

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
    const inputs = this.inputsOf(model.name);
    const constant = inputs.every((i) => i.kind === 'whole');
    if (constant) {
      const cached = this.constant.get(model.name);
      if (cached) return cached;
    }
    const parts: string[] = [];
    const missing: { name: string; windows: Window[] }[] = [];
    const missingWhole: string[] = [];
    let partialInputs = false;
    for (const input of inputs) {
      parts.push(input.name);
      if (input.kind === 'whole') {
        const version = this.wholeVersion(input.name);
        parts.push(version ?? '-');
        if (version === undefined) missingWhole.push(input.name);
        continue;
      }
      const hashes = this.windowHashes(input.name);
      const partial = this.partials.get(input.name);
      let gaps: Window[] | undefined;
      for (const w of this.inputWindows(input, from, window.end)) {
        const hash = hashes.get(w.start);
        parts.push(String(w.start), hash ?? '-');
        if (hash === undefined) (gaps ??= []).push(w);
        else if (partial?.has(w.start)) partialInputs = true;
      }
      if (gaps) missing.push({ name: input.name, windows: gaps });
    }
    const version = { version: versionHash(parts), missing, missingWhole, partialInputs };
    if (constant) this.constant.set(model.name, version);
    return version;
  }

  /** The input version of a table (or view) model: every part of every input. */
  versionOfWhole(model: CompiledModel): InputVersion {
    const parts: string[] = [];
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
      version = build?.contentHash ?? (this.state.relations.has(name) ? 'unknown' : undefined);
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
      for (const r of this.state.partitions.get(name) ?? []) {
        map.set(r.window.start, r.contentHash ?? '');
        if (r.partial !== undefined) partial.add(r.window.start);
      }
      this.hashes.set(name, map);
      this.partials.set(name, partial);
    }
    return map;
  }

  /** This run wrote windows of `name`: later versions see their content. */
  recordWindows(name: string, windows: readonly WrittenWindow[]): void {
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
    this.hashes.set(name, new Map());
    this.partials.set(name, new Set());
    this.recordWindows(name, windows);
  }

  /** This run wrote a table, upsert model or seed. */
  recordWhole(name: string, version: string): void {
    this.whole.set(name, version);
    this.constant.clear();
  }

  /**
   * Why a recorded window's input version differs from today's, in words: each upstream part
   * rebuilt since (`upstream orders 2018-01-05 changed`), that appeared since (`... were
   * missing`) or is missing now, and each table or seed written since.
   */
  explain(model: CompiledModel, record: PartitionRecord): string[] {
    const reasons: string[] = [];
    for (const input of this.inputsOf(model.name)) {
      if (input.kind === 'whole') {
        const node = this.compiled.nodes.get(input.name);
        if (node?.kind === 'seed') {
          const loaded = this.state.seeds.get(input.name);
          const pending =
            loaded !== undefined &&
            this.seedHashes.has(input.name) &&
            this.seedHashes.get(input.name) !== loaded.fileHash;
          if (pending || (loaded?.seq ?? 0) > record.seq)
            reasons.push(`seed ${input.name} changed`);
        } else {
          const build = this.state.builds.get(input.name);
          if (build === undefined) reasons.push(`upstream ${input.name} is missing`);
          else if (build.seq > record.seq) reasons.push(`upstream ${input.name} changed`);
        }
        continue;
      }
      const byStart = this.recordsOf(input.name);
      const groups = {
        changed: [] as Window[],
        'were missing': [] as Window[],
        'are missing': [] as Window[],
      };
      const from = record.inputStart ?? record.window.start;
      for (const w of this.inputWindows(input, from, record.window.end)) {
        const r = byStart.get(w.start);
        if (r === undefined) groups['are missing'].push(w);
        else if (r.firstSeq > record.seq) groups['were missing'].push(w);
        else if (r.seq > record.seq) groups.changed.push(w);
      }
      for (const [what, windows] of Object.entries(groups))
        if (windows.length > 0)
          reasons.push(`upstream ${input.name} ${labelRanges(windows, input.grain)} ${what}`);
    }
    return reasons.length > 0 ? reasons : ['inputs changed'];
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

/** A short hash of the parts of a version (128 bits of SHA-256). */
function versionHash(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
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
