import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { format } from 'sql-formatter';
import { errorMessage } from '../errors.js';
import {
  docsHtml,
  type DocsData,
  type DocsGantt,
  type DocsNode,
  type DocsPartitions,
} from '../docs/docs-site.js';
import { readDocsLedger, type DocsLedger } from '../docs/docs-ledger.js';
import { layoutLineage, type LineageLayout, type LineageNode } from '../docs/lineage-layout.js';
import { sha256 } from '../util/hash.js';
import { openEngine } from '../engine/open-engine.js';
import { isMissingFile } from '../engine/target.js';
import { ARTIFACTS_DIR, RUNS_DIR, etlVersion, manifestJson, writeJsonAtomic } from './artifacts.js';
import { compileModels } from './compile.js';
import type { DateInput } from './date-input.js';
import type { ProjectOptions } from './open-project.js';
import { projectStatus, type ModelStatus } from './status.js';

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
  }[];
  readonly config?: Readonly<Record<string, unknown>>;
}

/**
 * `etl docs`: a static site of the project, one self-contained HTML file (no network; opens
 * from `file://`): the lineage laid out at build time, a page per source, seed and model
 * (description, columns, tests, config, template and compiled SQL, upstream and downstream),
 * and each incremental model's windows by state as the ledger has them. A warehouse that
 * cannot be read (not built yet, or held by a run) leaves the windows out, with a note.
 */
export async function writeDocs(options: DocsOptions): Promise<DocsResult> {
  const { compiled, models } = await compileModels(
    options.date === undefined ? options : { ...options, date: options.date },
  );
  const generatedAt = new Date((options.clock ?? Date.now)()).toISOString();
  const manifest = manifestJson(compiled, generatedAt) as unknown as {
    readonly nodes: readonly ManifestNode[];
  };
  let statuses: ModelStatus[] = [];
  let ledger: DocsLedger = { runIds: [], windows: new Map(), runs: [] };
  let warehouseNote: string | null = null;
  if (!isMissingFile(compiled.target))
    try {
      // One read-only connection for the status and the ledger's details; closed at once, so
      // that a run can start while the site is served.
      const engine = await openEngine(compiled.target, { readOnly: true });
      try {
        statuses = await projectStatus({ ...options, engine });
        const conn = await engine.connect();
        try {
          ledger = await readDocsLedger(conn);
        } finally {
          await conn.close();
        }
      } finally {
        await engine.close();
      }
    } catch (error) {
      statuses = [];
      warehouseNote = `the warehouse could not be read, so no windows or runs are shown: ${errorMessage(error).split('\n')[0]}`;
    }
  const language = compiled.target.kind === 'postgres' ? 'postgresql' : 'duckdb';
  const rendered = new Map(models.map((m) => [m.name, m]));
  const cache = new DocsCache(join(compiled.project.root, ARTIFACTS_DIR, DOCS_CACHE));
  const sample = models[0]?.window;
  const partitions: DocsPartitions[] = statuses.map((s) => ({
    name: s.name,
    grain: s.grain,
    counts: s.counts,
    details: ledger.windows.get(s.name) ?? {
      start: [],
      rows: [],
      hash: [],
      run: [],
      at: [],
      error: [],
    },
    ranges: s.ranges.map((r) => ({
      from: new Date(r.from).toISOString(),
      to: new Date(r.to).toISOString(),
      state: r.state,
      count: r.count,
      ...(r.reason === undefined ? {} : { reason: r.reason }),
    })),
  }));
  const stateOf = new Map(statuses.map((s) => [s.name, overallState(s)]));
  const recent = readRecentResults(join(compiled.project.root, ARTIFACTS_DIR, RUNS_DIR));
  const lastTests = lastTestResults(recent);
  const nodes: DocsNode[] = manifest.nodes.map((n) => {
    const sql = rendered.get(n.name)?.sql;
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
        last: lastTests.get(t.name) ?? null,
      })),
      config: n.config ?? {},
      raw_sql:
        n.kind === 'model' && n.file !== null
          ? readFileSync(join(compiled.project.root, n.file), 'utf8')
          : null,
      compiled_sql: sql === undefined ? null : cache.pretty(sql, language),
      state: stateOf.get(n.name) ?? null,
    };
  });
  const data: DocsData = {
    schema_version: 1,
    generated_at: generatedAt,
    etl_version: etlVersion(),
    project: compiled.project.config.name,
    target: { name: compiled.target.name ?? null, type: compiled.target.kind },
    sample_window:
      sample === undefined
        ? null
        : { from: new Date(sample.start).toISOString(), to: new Date(sample.end).toISOString() },
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
  const out = resolve(compiled.project.root, options.out ?? join(ARTIFACTS_DIR, 'docs'));
  mkdirSync(out, { recursive: true });
  const index = join(out, 'index.html');
  const temp = `${index}.${process.pid}.tmp`;
  writeFileSync(temp, docsHtml(data, layout));
  renameSync(temp, index);
  return { index, data, warehouseNote };
}

/** What the last build kept, in {@link ARTIFACTS_DIR}: reused while it still applies. */
const DOCS_CACHE = 'docs-cache.json';

/**
 * The slow parts of a build kept for the next one: the lineage's layout (seconds for 1,000
 * models) keyed by the graph (nodes, labels, edges), and the formatted compiled SQL (about a
 * millisecond a model) keyed by the SQL. Most rebuilds (a description edited, a run
 * finished, a `--serve` rebuild) change neither. A cache that cannot be read or written is
 * passed over.
 */
class DocsCache {
  private layoutKey: string | undefined;
  private layout: LineageLayout | undefined;
  private readonly sql = new Map<string, string>();
  private readonly used = new Map<string, string>();
  private changed = false;

  constructor(private readonly file: string) {
    try {
      const kept = JSON.parse(readFileSync(file, 'utf8')) as {
        version?: unknown;
        layout?: { key?: unknown; value?: unknown };
        sql?: Record<string, unknown>;
      };
      if (kept.version !== CACHE_VERSION) return;
      if (typeof kept.layout?.key === 'string') {
        this.layoutKey = kept.layout.key;
        this.layout = kept.layout.value as LineageLayout;
      }
      for (const [k, v] of Object.entries(kept.sql ?? {}))
        if (typeof v === 'string') this.sql.set(k, v);
    } catch {
      // None yet, or not readable: everything is worked out.
    }
  }

  /** The lineage laid out, or as laid out before for the same graph. */
  lineage(nodes: readonly LineageNode[], edges: readonly RoutedEdgeInput[]): LineageLayout {
    const key = sha256(JSON.stringify([nodes, edges]));
    if (this.layoutKey === key && this.layout !== undefined) return this.layout;
    this.layoutKey = key;
    this.layout = layoutLineage(nodes, edges);
    this.changed = true;
    return this.layout;
  }

  /** SQL formatted as `etl compile` prints it, or as formatted before. */
  pretty(sql: string, language: 'duckdb' | 'postgresql'): string {
    const key = sha256(language, sql);
    let out = this.sql.get(key);
    if (out === undefined) {
      out = pretty(sql, language);
      this.changed = true;
    }
    this.used.set(key, out);
    return out;
  }

  /** Keep what this build used (only that), when anything was worked out anew. */
  save(): void {
    if (!this.changed && this.used.size === this.sql.size) return;
    try {
      writeJsonAtomic(dirname(this.file), basename(this.file), {
        version: CACHE_VERSION,
        layout: { key: this.layoutKey, value: this.layout },
        sql: Object.fromEntries(this.used),
      });
    } catch {
      // A read-only project folder: the next build works it out again.
    }
  }
}

type RoutedEdgeInput = { readonly from: string; readonly to: string };

/** Bumped when the layout or the formatting of the same input changes (the cache is stale). */
const CACHE_VERSION = 1;

/** How a model's windows stand, in one word: failed, stale, partial, missing (some), done (all). */
function overallState(s: ModelStatus): DocsNode['state'] {
  const c = s.counts;
  if (c.failed > 0) return 'failed';
  if (c.stale > 0) return 'stale';
  if (c.partial > 0) return 'partial';
  if (c.missing > 0) return 'missing';
  return 'done';
}

/** SQL formatted as `etl compile` prints it (as rendered when the formatter cannot). */
function pretty(sql: string, language: 'duckdb' | 'postgresql'): string {
  try {
    return format(sql, { language, keywordCase: 'preserve' });
  } catch {
    return sql;
  }
}

/** A run's results file (`.etl/runs/<run_id>.json`), the fields the site reads. */
interface RunResultsFile {
  readonly run_id: string;
  readonly command: string;
  readonly status: string;
  readonly started_at: string;
  readonly duration_ms: number;
  readonly results: readonly {
    readonly step: string;
    readonly model: string;
    readonly kind: string;
    readonly from: string | null;
    readonly to: string | null;
    readonly windows: number;
    readonly status: string;
    readonly rows: number;
    readonly duration_ms: number;
    readonly started_at?: string | null;
    readonly thread?: number | null;
    readonly tests: readonly {
      readonly name: string;
      readonly status: string;
      readonly failures: number;
    }[];
  }[];
}

/** The kept runs' results, newest first (files that cannot be read are passed over). */
function readRecentResults(dir: string): RunResultsFile[] {
  if (!existsSync(dir)) return [];
  const out: RunResultsFile[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => /^[^.].*\.json$/.test(f))
    .sort()
    .reverse())
    try {
      const parsed = JSON.parse(readFileSync(join(dir, file), 'utf8')) as RunResultsFile;
      if (typeof parsed.run_id === 'string' && Array.isArray(parsed.results)) out.push(parsed);
    } catch {
      // Being written, or not ours: the next one.
    }
  return out;
}

/** Each test's newest result among the kept runs. */
function lastTestResults(
  recent: readonly RunResultsFile[],
): Map<string, NonNullable<DocsNode['tests'][number]['last']>> {
  const out = new Map<string, NonNullable<DocsNode['tests'][number]['last']>>();
  for (const run of recent)
    for (const step of run.results)
      for (const t of step.tests ?? [])
        if (!out.has(t.name))
          out.set(t.name, { status: t.status, failures: t.failures, run_id: run.run_id });
  return out;
}

/**
 * The timeline of the newest backfill among the kept runs (else of the newest run): each
 * step that ran, on its thread, from its start.
 */
function ganttOf(recent: readonly RunResultsFile[]): DocsGantt | null {
  const run = recent.find((r) => r.command === 'backfill') ?? recent[0];
  if (run === undefined) return null;
  const origin = Date.parse(run.started_at);
  const steps = run.results
    .filter((r) => typeof r.started_at === 'string' && typeof r.thread === 'number')
    .map((r) => ({
      step: r.step,
      model: r.model,
      status: r.status,
      thread: r.thread as number,
      start: Math.max(0, Date.parse(r.started_at as string) - origin),
      duration: r.duration_ms,
      rows: r.rows,
      windows: r.windows,
    }));
  return {
    run_id: run.run_id,
    command: run.command,
    status: run.status,
    started_at: run.started_at,
    duration_ms: run.duration_ms,
    threads: Math.max(1, ...steps.map((s) => s.thread)),
    steps,
  };
}
