import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompiledGraph, CompiledNode } from '../compile/compiled-graph.js';
import type { DeclaredSource } from '../project/schema-sources.js';
import type { RunSummary, StepResult } from '../execute/run-summary.js';
import type { TestResult } from '../testing/test-result.js';
import { redactSecrets } from '../engine/target.js';
import { errorMessage } from '../errors.js';

/**
 * Run artifacts, as dbt's `target/`: after each run of build, backfill, run or seed,
 * `.etl/run_results.json` (the run summary and every step's result, also kept as
 * `.etl/runs/<run_id>.json` for the last 10 runs) and `.etl/manifest.json` (the compiled graph)
 * in the project directory. Their shapes are `schemas/run-results.schema.json`
 * and `schemas/manifest.schema.json`; both start with `"schema_version": 1`.
 */

/** The folder of the artifacts, in the project directory. */
export const ARTIFACTS_DIR = '.etl';

/** The folder in {@link ARTIFACTS_DIR} of each recent run's results, `<run_id>.json`. */
export const RUNS_DIR = 'runs';

/** How many runs' results {@link RUNS_DIR} keeps (run ids sort by time: the newest stay). */
const KEPT_RUNS = 10;

/** What a run's artifacts are made of. */
export interface RunArtifacts {
  /** The command's arguments, as recorded in `etl_state.runs`. */
  readonly args: Readonly<Record<string, unknown>>;
  readonly summary: RunSummary;
  readonly results: readonly StepResult[];
  readonly compiled: CompiledGraph;
  /** The clock (epoch ms) of `generated_at`. */
  readonly now?: () => number;
}

/**
 * Write `.etl/run_results.json` and `.etl/manifest.json`, each atomically (a temp file in the
 * same folder, then renamed over the old one). Never throws: a failure is said to `onNotice`
 * in one line, and the run goes on as it was.
 */
export function writeRunArtifacts(run: RunArtifacts, onNotice?: (message: string) => void): void {
  try {
    const generatedAt = new Date((run.now ?? Date.now)()).toISOString();
    const dir = join(run.compiled.project.root, ARTIFACTS_DIR);
    writeJsonAtomic(dir, 'manifest.json', manifestJson(run.compiled, generatedAt));
    // Made once, written twice: a backfill of a year of hours has 8,784 steps.
    const results = `${JSON.stringify(runResultsJson(run, generatedAt), null, 2)}\n`;
    writeTextAtomic(dir, 'run_results.json', results);
    // The last few runs' results stay, for `etl docs` (the timeline of the last backfill).
    const runs = join(dir, RUNS_DIR);
    writeTextAtomic(runs, `${run.summary.run_id}.json`, results);
    const kept = readdirSync(runs)
      .filter((f) => /^[^.].*\.json$/.test(f))
      .sort();
    for (const old of kept.slice(0, Math.max(0, kept.length - KEPT_RUNS)))
      rmSync(join(runs, old), { force: true });
  } catch (error) {
    onNotice?.(
      `the run artifacts (${ARTIFACTS_DIR}/run_results.json, ${ARTIFACTS_DIR}/manifest.json) could not be written: ${errorMessage(error).split('\n')[0]}`,
    );
  }
}

/** Write `value` as JSON to `dir/name`: a temp file in `dir`, then renamed over `name`. */
export function writeJsonAtomic(dir: string, name: string, value: unknown): void {
  writeTextAtomic(dir, name, `${JSON.stringify(value, null, 2)}\n`);
}

/** Write `text` to `dir/name`: a temp file in `dir`, then renamed over `name`. */
function writeTextAtomic(dir: string, name: string, text: string): void {
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${name}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temp, text);
    renameSync(temp, join(dir, name));
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** etl's version, from its package.json (`unknown` when it cannot be read). */
export function etlVersion(): string {
  // From dist/core/api/ or, under the test runner, from core/api/.
  for (const up of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'etl' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not there: the other layout.
    }
  }
  return 'unknown';
}

/** The target as artifacts name it: its name in etl.yml (if any) and its engine, no URL. */
function targetJson(compiled: CompiledGraph): { name: string | null; type: string } {
  return { name: compiled.target.name ?? null, type: compiled.target.kind };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** `.etl/run_results.json`: the run summary, then each step's result. */
export function runResultsJson(run: RunArtifacts, generatedAt: string): Record<string, unknown> {
  return {
    schema_version: 1,
    generated_at: generatedAt,
    etl_version: etlVersion(),
    target: targetJson(run.compiled),
    args: run.args,
    ...run.summary,
    results: run.results.map(stepResultJson),
  };
}

/** One step's result: what it wrote, how long it took, and why it failed. */
function stepResultJson(r: StepResult): Record<string, unknown> {
  const { windows } = r.step;
  const first = windows[0];
  const last = windows[windows.length - 1];
  return {
    step: r.step.id,
    model: r.step.model,
    kind: r.step.kind,
    from: first === undefined ? null : iso(first.start),
    to: last === undefined ? null : iso(last.end),
    windows: windows.length,
    status: r.status,
    rows: r.rows,
    duration_ms: Math.round(r.durationMs),
    started_at: r.startedAt === undefined ? null : iso(r.startedAt),
    thread: r.thread ?? null,
    attempts: r.attempts,
    error:
      r.error === undefined
        ? null
        : { code: r.error.code, message: redactSecrets(r.error.message) },
    built_by: r.builtBy ?? null,
    tests: [...(r.tests ?? []), ...(r.checks ?? [])].map(testJson),
  };
}

function testJson(t: TestResult): Record<string, unknown> {
  return {
    name: t.name,
    type: t.type,
    status: t.status,
    failures: t.failures,
    message: t.message === undefined ? null : redactSecrets(t.message),
    duration_ms: Math.round(t.durationMs),
  };
}

/** `.etl/manifest.json`: the project's compiled graph, every source, seed and model. */
export function manifestJson(
  compiled: CompiledGraph,
  generatedAt: string,
): Record<string, unknown> {
  return {
    schema_version: 1,
    generated_at: generatedAt,
    etl_version: etlVersion(),
    project: compiled.project.config.name,
    target: targetJson(compiled),
    nodes: [
      ...[...compiled.sources.values()].map(sourceJson),
      ...compiled.graph.order.flatMap((name) => {
        const node = compiled.nodes.get(name);
        return node === undefined ? [] : [nodeJson(compiled, node)];
      }),
    ],
    singular_tests: compiled.singularTests.map((t) => ({
      name: t.name,
      file: t.file,
      depends_on: t.refs,
    })),
  };
}

function sourceJson(s: DeclaredSource): Record<string, unknown> {
  const seconds = (ms: number | undefined) => (ms === undefined ? null : ms / 1000);
  return {
    name: `${s.group}.${s.name}`,
    kind: 'source',
    file: s.at.file,
    description: s.description ?? null,
    materialized: null,
    relation: 'table' in s.def ? s.def.table : null,
    path: 'path' in s.def ? s.def.path : null,
    loaded_at_field: s.loadedAtField ?? null,
    freshness:
      s.freshness === undefined
        ? null
        : {
            warn_after_seconds: seconds(s.freshness.warnAfter),
            error_after_seconds: seconds(s.freshness.errorAfter),
            filter: s.freshness.filter ?? null,
          },
    depends_on: [],
    columns: [],
    tests: [],
  };
}

function nodeJson(compiled: CompiledGraph, node: CompiledNode): Record<string, unknown> {
  const doc = compiled.docs.get(node.name);
  const tests = [
    ...compiled.tests
      .filter((t) => t.model === node.name)
      .map((t) => ({
        name: t.name,
        type: 'data',
        test: t.kind === 'custom' ? (t.custom?.test ?? 'custom') : t.kind,
        column: t.column ?? null,
        severity: t.severity,
      })),
    ...compiled.unitTests
      .filter((t) => t.model === node.name)
      .map((t) => ({ name: t.name, type: 'unit', test: 'unit', column: null, severity: 'error' })),
  ];
  const columns = (doc?.columns ?? []).map((c) => ({
    name: c.name,
    description: c.description ?? null,
  }));
  const parents = compiled.graph.has(node.name) ? compiled.graph.parents(node.name) : [];
  if (node.kind === 'seed')
    return {
      name: node.name,
      kind: 'seed',
      file: node.file,
      description: doc?.description ?? null,
      materialized: 'seed',
      relation: node.relation,
      schema: node.schema,
      fingerprint: node.fingerprint,
      column_types: node.columnTypes,
      depends_on: parents,
      columns,
      tests,
    };
  const c = node.config;
  return {
    name: node.name,
    kind: 'model',
    file: node.file,
    description: c.description ?? doc?.description ?? null,
    materialized: c.materialized,
    relation: node.relation,
    schema: node.schema,
    fingerprint: node.fingerprint,
    config: {
      materialized: c.materialized,
      strategy: c.kind,
      grain: c.grain,
      start: c.start === undefined ? null : iso(c.start),
      lookback: c.lookback,
      // Unset: steps of one window, merged as the run goes (adaptive batching).
      batch_size: c.batchSize ?? 1,
      adaptive_batching: c.batchSize === undefined,
      time_column: c.timeColumn ?? null,
      unique_key: c.uniqueKey ?? null,
      on_schema_change: c.onSchemaChange,
      schema: c.schema ?? null,
      tags: c.tags,
    },
    depends_on: [...parents, ...node.sources],
    includes: node.includes,
    columns,
    tests,
  };
}
