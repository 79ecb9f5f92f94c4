import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import type { CompiledGraph } from '../compile/compiled-graph.js';
import { docsHtml, type DocsData, type DocsNode, type DocsPartitions } from '../docs/docs-site.js';
import { readDocsLedger, type DocsLedger } from '../docs/docs-ledger.js';
import { openEngine } from '../engine/open-engine.js';
import { isMissingFile } from '../engine/target.js';
import { errorMessage, UsageError } from '../errors.js';
import { readFailedWindows } from '../state/run-log.js';
import { EMPTY_STATE, readWarehouseState, type WarehouseState } from '../state/warehouse-state.js';
import type { Window } from '../time/window.js';
import { ARTIFACTS_DIR, RUNS_DIR, etlVersion, manifestJson } from './artifacts.js';
import { compileModels } from './compile.js';
import type { DateInput } from './date-input.js';
import { DOCS_CACHE, DocsCache } from './docs-cache.js';
import { ganttOf, lastTestResults, readRecentResults } from './docs-runs.js';
import { runsWithLiveness } from './live-run.js';
import type { ProjectOptions } from './open-project.js';
import { statusFromLedger, type ModelStatus } from './status.js';

/** Options of {@link writeDocs}. */
export interface DocsOptions extends ProjectOptions {
  /** The folder to write the site in (default `.etl/docs` in the project). */
  readonly out?: string;
  /** The day whose first window compiled SQL is shown for (default: yesterday). */
  readonly date?: DateInput;
}

/** What {@link writeDocs} wrote. */
export interface DocsResult {
  /** The site's page (absolute path). */
  readonly index: string;
  readonly data: DocsData;
  /** Why the site shows no windows, when the warehouse could not be read. */
  readonly warehouseNote: string | null;
  /** What was read of the warehouse (or reused), for the next build of `--serve`. */
  readonly snapshot?: WarehouseSnapshot;
}

/** A manifest node, as artifacts.ts writes it (the fields the site reads). */
interface ManifestNode {
  readonly name: string;
  readonly kind: 'source' | 'seed' | 'model';
  readonly file: string | null;
  readonly description: string | null;
  readonly materialized: string | null;
  readonly depends_on: readonly string[];
  readonly columns: readonly { readonly name: string; readonly description: string | null }[];
  readonly tests: readonly {
    readonly name: string;
    readonly type: string;
    readonly severity: string;
    readonly column?: string | null;
  }[];
  readonly config?: Readonly<Record<string, unknown>>;
}

/**
 * What the site reads of the warehouse: the ledger as the planner reads it, the failed
 * windows, the windows' details and the last runs (their liveness judged when read). Read
 * once with a read-only connection closed at once; `etl docs --serve` keeps it and reuses it
 * while the warehouse file has not changed, so that editing a model does not open the
 * warehouse (and keep a run from starting).
 */
export interface WarehouseSnapshot {
  readonly state: WarehouseState;
  readonly failed: ReadonlyMap<string, Window[]>;
  readonly ledger: DocsLedger;
  /** The project's nodes when it was read (relations are read for those). */
  readonly nodes: string;
  /** When it was read (epoch ms). */
  readonly readAt: number;
}

/**
 * `etl docs`: a static site of the project, one self-contained HTML file (no network; opens
 * from `file://`): the lineage laid out at build time, a page per source, seed and model
 * (description, columns, tests, config, template and compiled SQL, upstream and downstream),
 * each incremental model's windows as the ledger has them, and the last runs. A warehouse
 * that cannot be read (held by a run) leaves the windows out, with a note; one not built yet
 * shows every window missing.
 */
export async function writeDocs(
  options: DocsOptions & {
    /** What was read of the warehouse before, to use instead of reading it. */
    readonly snapshot?: WarehouseSnapshot;
    /** What was read before, to show (with a note saying so) when it cannot be read now. */
    readonly fallback?: WarehouseSnapshot;
  },
): Promise<DocsResult> {
  const { compiled, models } = await compileModels(
    options.date === undefined ? options : { ...options, date: options.date },
  );
  const root = compiled.project.root;
  const out = resolve(root, options.out ?? join(ARTIFACTS_DIR, 'docs'));
  if (statSync(out, { throwIfNoEntry: false })?.isDirectory() === false)
    throw new UsageError(
      `--out ${options.out ?? out}: not a folder (a file of that name is there)`,
    );
  const now = (options.clock ?? Date.now)();
  const generatedAt = new Date(now).toISOString();
  const manifest = manifestJson(compiled, generatedAt) as unknown as {
    readonly nodes: readonly ManifestNode[];
  };
  const nodeKey = [...compiled.nodes.values()].map((n) => `${n.schema}.${n.name}`).join(',');
  let snapshot = options.snapshot?.nodes === nodeKey ? options.snapshot : undefined;
  let warehouseNote: string | null = null;
  let readNow = false;
  if (snapshot === undefined)
    try {
      snapshot = await readSnapshot(compiled, nodeKey, now);
      readNow = true;
      if (isMissingFile(compiled.target))
        warehouseNote = 'the warehouse is not built yet: every window is missing';
    } catch (error) {
      const why = errorMessage(error).split('\n')[0] ?? '';
      // Held by a run: what was read before is shown, saying when it was read.
      snapshot = options.fallback;
      warehouseNote =
        snapshot === undefined
          ? `the warehouse could not be read, so no windows or runs are shown: ${why}`
          : `the warehouse could not be read now (${why}); showing it as read at ${iso(snapshot.readAt).slice(11, 19)} UTC: reload once the run is over`;
    }
  const statuses: ModelStatus[] =
    snapshot === undefined
      ? []
      : statusFromLedger(
          compiled,
          snapshot.state,
          snapshot.failed,
          new Set(compiled.nodes.keys()),
          {
            now,
            until: now,
          },
        );
  const ledger: DocsLedger = snapshot?.ledger ?? { runIds: [], windows: new Map(), runs: [] };
  const language = compiled.target.kind === 'postgres' ? 'postgresql' : 'duckdb';
  const rendered = new Map(models.map((m) => [m.name, m]));
  const cache = new DocsCache(join(root, ARTIFACTS_DIR, DOCS_CACHE));
  const sample = models[0]?.window;
  const partitions: DocsPartitions[] = statuses.map((s) => ({
    name: s.name,
    grain: s.grain,
    counts: s.counts,
    forward_only: s.forwardOnly,
    refreshing: s.refreshing ?? null,
    details: ledger.windows.get(s.name) ?? {
      start: [],
      rows: [],
      hash: [],
      run: [],
      at: [],
      error: [],
    },
    ranges: s.ranges.map((r) => ({
      from: iso(r.from),
      to: iso(r.to),
      state: r.state,
      count: r.count,
      ...(r.reason === undefined ? {} : { reason: r.reason }),
      ...(r.forwardOnly ? { forward_only: true } : {}),
    })),
  }));
  const stateOf = new Map(statuses.map((s) => [s.name, overallState(s)]));
  const recent = readRecentResults(join(root, ARTIFACTS_DIR, RUNS_DIR));
  const lastTests = lastTestResults(recent);
  const nodes: DocsNode[] = manifest.nodes.map((n) => {
    const model = rendered.get(n.name);
    return {
      name: n.name,
      kind: n.kind,
      materialized: n.materialized,
      file: n.file,
      description: n.description,
      depends_on: n.depends_on,
      columns: n.columns,
      tests: n.tests.map((t) => ({
        name: t.name,
        type: t.type,
        severity: t.severity,
        column: t.column ?? null,
        last: lastTests.get(t.name) ?? null,
      })),
      config: n.config ?? {},
      raw_sql:
        n.kind === 'model' && n.file !== null ? readFileSync(join(root, n.file), 'utf8') : null,
      compiled_sql: model === undefined ? null : cache.pretty(model.sql, language),
      compiled_window:
        model === undefined ? null : { from: iso(model.window.start), to: iso(model.window.end) },
      state: stateOf.get(n.name) ?? null,
    };
  });
  const data: DocsData = {
    schema_version: 1,
    generated_at: generatedAt,
    etl_version: etlVersion(),
    project: compiled.project.config.name,
    target: { name: compiled.target.name ?? null, type: compiled.target.kind },
    sample_window: sample === undefined ? null : { from: iso(sample.start), to: iso(sample.end) },
    nodes,
    partitions,
    run_ids: ledger.runIds,
    runs: ledger.runs,
    gantt: ganttOf(recent),
    warehouse_note: warehouseNote,
  };
  const layout = cache.lineage(
    nodes.map((n) => ({ id: n.name, label: n.name })),
    nodes.flatMap((n) => n.depends_on.map((p) => ({ from: p, to: n.name }))),
  );
  cache.save();
  mkdirSync(out, { recursive: true });
  const index = join(out, 'index.html');
  // A temp file left by a build killed before its rename is not kept forever.
  // (Another build's, being written now, is younger than a minute.)
  for (const f of readdirSync(out))
    if (
      /^\.index\.html\.\d+\.tmp$/.test(f) &&
      Date.now() - (statSync(join(out, f), { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) >
        60_000
    )
      rmSync(join(out, f), { force: true });
  const temp = join(out, `.index.html.${process.pid}.tmp`);
  writeFileSync(temp, docsHtml(data, layout));
  renameSync(temp, index);
  // Only what was read now (or given to reuse) is handed on; a fallback shown is not.
  const handed = readNow
    ? snapshot
    : options.snapshot?.nodes === nodeKey
      ? options.snapshot
      : undefined;
  return { index, data, warehouseNote, ...(handed === undefined ? {} : { snapshot: handed }) };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Read the warehouse once, read-only (a warehouse file not created yet reads as empty): the
 * ledger, the failed windows, the windows' details and the last runs, a run recorded
 * `running` by a process that is gone shown `abandoned` (as `etl status` shows it).
 */
async function readSnapshot(
  compiled: CompiledGraph,
  nodes: string,
  readAt: number,
): Promise<WarehouseSnapshot> {
  const { target } = compiled;
  if (isMissingFile(target))
    return {
      state: EMPTY_STATE,
      failed: new Map(),
      ledger: { runIds: [], windows: new Map(), runs: [] },
      nodes,
      readAt,
    };
  const engine = await openEngine(target, { readOnly: true });
  try {
    const conn = await engine.connect();
    try {
      const state = await readWarehouseState(conn, compiled);
      const failed = await readFailedWindows(conn);
      const ledger = await readDocsLedger(conn);
      const live = runsWithLiveness(
        ledger.runs.map((r) => ({
          runId: r.run_id,
          command: r.command,
          status: r.status,
          startedAt: Date.parse(r.started_at),
          finishedAt: r.finished_at === null ? undefined : Date.parse(r.finished_at),
          pid: r.pid ?? undefined,
          host: r.host ?? undefined,
        })),
        { target, openedHere: true },
      );
      const runs = ledger.runs.map((r, i) => ({ ...r, status: live[i]?.shown ?? r.status }));
      return { state, failed, ledger: { ...ledger, runs }, nodes, readAt };
    } finally {
      await conn.close();
    }
  } finally {
    await engine.close();
  }
}

/** How a model's windows stand, in one word: failed, stale, partial, missing (some), done (all). */
function overallState(s: ModelStatus): DocsNode['state'] {
  const c = s.counts;
  if (c.failed > 0) return 'failed';
  if (c.stale > 0) return 'stale';
  if (c.partial > 0) return 'partial';
  if (c.missing > 0) return 'missing';
  return 'done';
}
