import { errorMessage } from '../errors.js';
import { quoteIdent, subquery } from '../util/sql.js';
import { openEngine } from '../engine/open-engine.js';
import { openDuckDB } from '../engine/duckdb.js';
import type { Connection, Engine } from '../engine/adapter.js';
import { selectNodes } from '../compile/selection.js';
import type { CompiledGraph } from '../compile/compiled-graph.js';
import { renderModel } from '../compile/compile-project.js';
import { planBackfill, planTestBuild } from '../plan/plan-build.js';
import { dayWindow } from '../time/window.js';
import { parseDay } from '../time/dates.js';
import { runDataTests } from '../testing/run-data-tests.js';
import { otherRelationsRead } from '../project/test-spec.js';
import { runUnitTest } from '../testing/unit-test.js';
import { relationResolver } from '../testing/build-verifier.js';
import type { TestResult } from '../testing/test-result.js';
import { formatRow, sampleRows } from '../testing/run-data-tests.js';
import { silentReporter } from '../execute/reporter.js';
import { defaultBuildDate } from './build.js';
import { runCommand } from './run-command.js';
import { openProject, type ProjectOptions } from './open-project.js';
import { parseOptionalDate, type DateInput } from './date-input.js';

/** Options of {@link testProject}. */
export interface TestOptions extends ProjectOptions {
  /** Selectors (`-s`); default: every model. */
  readonly select?: readonly string[];
  /** Selectors to leave out (`--exclude`). */
  readonly exclude?: readonly string[];
  /**
   * One test day instead of the data's whole range: each incremental model's windows of that
   * day only (wave 1's behaviour).
   */
  readonly date?: DateInput;
  /** The first day to build; default: the seeds' first date. */
  readonly from?: DateInput;
  /** The last day (inclusive) to build; default: the seeds' last date. */
  readonly to?: DateInput;
  /** Run the data tests against the real warehouse instead of a throwaway database. */
  readonly warehouse?: boolean;
  /** Called as each test finishes. */
  readonly onResult?: (result: TestResult) => void;
}

/** What `etl test` found. */
export interface TestSummary {
  /** Every test's result, in the order they finished. */
  readonly results: TestResult[];
  /** Tests that passed. */
  readonly passed: number;
  /** Tests that failed (severity error). */
  readonly failed: number;
  /** Tests with severity warn that found rows. */
  readonly warned: number;
}

/** {@link TestOptions} with its dates as epoch ms (UTC days). */
type TestDays = Omit<TestOptions, 'date' | 'from' | 'to'> & {
  readonly date?: number | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
};

/**
 * `etl test`: in a throwaway in-memory database, load the seeds, build the selected models and
 * their upstream for the test window, then run every data test, singular test and unit test
 * of the selected models. The warehouse is never opened. With `warehouse`, the data and
 * singular tests run against the real warehouse instead (read only; unit tests do not need it).
 *
 * @returns Every test's result and their counts; failed tests do not reject.
 */
export async function testProject(given: TestOptions): Promise<TestSummary> {
  const options: TestDays = {
    ...given,
    date: parseOptionalDate(given.date, 'date'),
    from: parseOptionalDate(given.from, 'from'),
    to: parseOptionalDate(given.to, 'to'),
  };
  // Without --warehouse everything runs in a throwaway in-memory DuckDB: compile for it, once.
  const { compiled } = openProject(options, !options.warehouse);
  const selected = new Set(
    [...selectNodes(compiled, options.select, options.exclude)].filter(
      (n) => compiled.nodes.get(n)?.kind === 'model',
    ),
  );
  const results: TestResult[] = [];
  const report = (r: TestResult): void => {
    results.push(r);
    options.onResult?.(r);
  };
  const fallback = defaultBuildDate((options.clock ?? Date.now)());
  const run: TestRun = { compiled, selected, report, day: options.date ?? fallback };
  if (options.warehouse) await testWarehouse(run);
  else await testThrowaway(run, options, fallback);
  return tally(results);
}

/** What a test run needs: the project, the models tested, where results go, the test day. */
interface TestRun {
  readonly compiled: CompiledGraph;
  readonly selected: ReadonlySet<string>;
  readonly report: (r: TestResult) => void;
  /** The day tests render with: `date`, else the build date (from the injected clock). */
  readonly day: number;
}

/** The data and singular tests against the real warehouse, read only. */
async function testWarehouse(run: TestRun): Promise<void> {
  const engine = await openEngine(run.compiled.target, { readOnly: true });
  const conn = await engine.connect();
  try {
    await runQueryTests(conn, run.compiled, run.selected, run.report, run.day);
  } finally {
    await conn.close();
    await engine.close();
  }
}

/** Build what the tests read in a throwaway database, then run every test there. */
async function testThrowaway(run: TestRun, options: TestDays, fallback: number): Promise<void> {
  const { compiled, selected, report, day } = run;
  const engine = await openDuckDB(':memory:', 'duckdb::memory: (etl test)');
  try {
    await buildForTests(engine, run, options, fallback);
    const conn = await engine.connect();
    try {
      await runQueryTests(conn, compiled, selected, report, day);
      for (const unit of compiled.unitTests) {
        if (!selected.has(unit.model)) continue;
        report(await runUnitTest(conn, compiled, unit, day));
      }
    } finally {
      await conn.close();
    }
  } finally {
    await engine.close();
  }
}

/**
 * Load the seeds and build what the tests read and its upstream over the whole range of the
 * seed data (each model from its start to the last day any seed's date or timestamp column
 * reaches; `from`/`to` narrow it), so tests check all the data, not one window. A step that
 * fails is reported as a failed test. With `date`, only that day's windows are built.
 */
async function buildForTests(
  engine: Engine,
  run: TestRun,
  options: TestDays,
  fallback: number,
): Promise<void> {
  const { compiled } = run;
  const upstream = testedRelations(compiled, run.selected);
  if (upstream.size === 0) return;
  const common = {
    ...options,
    target: 'duckdb::memory:',
    compiled,
    engine,
    exclude: [],
    runTests: false,
    threads: 1,
    reporter: silentReporter,
  };
  let range: { from: number; to: number } | undefined;
  if (options.date === undefined) {
    const seeds = [...upstream].filter((n) => compiled.nodes.get(n)?.kind === 'seed');
    if (seeds.length > 0) {
      const loaded = await runCommand(
        'seed',
        {},
        { ...common, select: seeds, seedsOnly: { force: true } },
        (c, s, o) => planTestBuild(c, s, { ...o, date: undefined, fallback }),
      );
      reportFailures(run, loaded.summary.failures);
    }
    const data = await seedDays(engine, compiled, seeds);
    if (data !== undefined || (options.from !== undefined && options.to !== undefined))
      range = {
        from: options.from ?? data?.from ?? fallback,
        to: options.to ?? data?.to ?? fallback,
      };
  }
  const { summary } = await runCommand(
    'test',
    {},
    { ...common, select: [...upstream] },
    range === undefined
      ? (c, s, o) => planTestBuild(c, s, { ...o, date: options.date, fallback })
      : (c, s, o) => planBackfill(c, s, { ...o, ...range, force: true, batchSize: TEST_BATCH }),
  );
  reportFailures(run, summary.failures);
}

/**
 * Windows merged per statement in the throwaway build: a batch writes the same rows as its
 * windows one by one (models that read themselves are never batched), and the whole range of
 * the data is built on every `etl test`.
 */
const TEST_BATCH = 744;

/** Steps that failed while building for the tests, as failed tests. */
function reportFailures(
  run: TestRun,
  failures: readonly { model: string; window?: string | undefined; error: string }[],
): void {
  for (const f of failures) {
    const node = run.compiled.nodes.get(f.model);
    const sources = node?.kind === 'model' ? node.sources : [];
    const hint =
      sources.length > 0 && /does not exist|not found/i.test(f.error)
        ? ` (it reads ${sources.map((s) => `source '${s}'`).join(', ')}, which etl test's throwaway database does not hold: test it with etl test --warehouse, or give that input in a unit test)`
        : '';
    run.report({
      name: `build(${f.model}${f.window ? `@${f.window}` : ''})`,
      type: 'data',
      model: f.model,
      status: 'error',
      failures: 0,
      message: `${f.error.split('\n')[0] ?? ''}${hint}`,
      durationMs: 0,
    });
  }
}

/**
 * The first and last day of the seed data: the least and greatest value of every DATE or
 * TIMESTAMP column of the given seeds (already loaded); undefined when they hold no dates.
 */
async function seedDays(
  engine: Engine,
  compiled: CompiledGraph,
  seeds: readonly string[],
): Promise<{ from: number; to: number } | undefined> {
  const conn = await engine.connect();
  try {
    const bounds: string[] = [];
    for (const name of seeds) {
      const node = compiled.nodes.get(name);
      if (node === undefined) continue;
      let columns: { name: string; type: string }[];
      try {
        columns = await conn.columns(node.relation);
      } catch {
        continue; // not loaded: its failure is reported already
      }
      for (const c of columns)
        if (/^(DATE|TIMESTAMP)/i.test(c.type))
          bounds.push(
            `select cast(min(${quoteIdent(c.name)}) as date) as lo, cast(max(${quoteIdent(c.name)}) as date) as hi from ${node.relation}`,
          );
    }
    if (bounds.length === 0) return undefined;
    const [row] = await conn.query(
      `select cast(min(lo) as varchar) as lo, cast(max(hi) as varchar) as hi from (${bounds.join(' union all ')}) as bounds`,
    );
    const from = parseDay(String(row?.lo ?? ''));
    const to = parseDay(String(row?.hi ?? ''));
    return from === undefined || to === undefined ? undefined : { from, to };
  } finally {
    await conn.close();
  }
}

/**
 * The selected models, what their tests read (relationship targets and singular tests' refs)
 * and all their upstream: what must exist for the tests to run.
 */
function testedRelations(compiled: CompiledGraph, selected: ReadonlySet<string>): Set<string> {
  const read = new Set(selected);
  for (const t of compiled.tests)
    if (selected.has(t.model)) for (const r of otherRelationsRead(t)) read.add(r);
  for (const t of compiled.singularTests)
    if (t.refs.length === 0 || t.refs.some((r) => selected.has(r)))
      for (const r of t.refs) read.add(r);
  return new Set([...read, ...compiled.graph.ancestors(read)]);
}

/** Generic data tests and singular tests of the selected models. */
async function runQueryTests(
  conn: Connection,
  compiled: CompiledGraph,
  selected: ReadonlySet<string>,
  report: (r: TestResult) => void,
  /** The day singular tests render with (the build date, from the injected clock). */
  day: number,
): Promise<void> {
  const relationOf = relationResolver(compiled);
  for (const test of compiled.tests) {
    if (!selected.has(test.model)) continue;
    for (const r of await runDataTests(conn, [test], relationOf)) report(r);
  }
  for (const test of compiled.singularTests) {
    if (test.refs.length > 0 && !test.refs.some((r) => selected.has(r))) continue;
    const started = performance.now();
    const result = { name: test.name, type: 'singular' as const, model: undefined };
    try {
      const sql = renderModel(
        compiled,
        { template: test.template, file: test.file, relation: '' },
        {
          window: dayWindow(day),
          isIncremental: false,
        },
      );
      const [count] = await conn.query(`SELECT count(*) AS n FROM ${subquery(sql)}`);
      const failures = Number(count?.n ?? 0);
      const sample = failures > 0 ? await sampleRows(conn, sql) : [];
      report({
        ...result,
        status: failures === 0 ? 'pass' : 'fail',
        failures,
        message:
          failures === 0
            ? undefined
            : `${failures} failing row${failures === 1 ? '' : 's'}, e.g. ${sample.map(formatRow).join('; ')}`,
        durationMs: performance.now() - started,
      });
    } catch (error) {
      report({
        ...result,
        status: 'error',
        failures: 0,
        message: errorMessage(error).split('\n')[0],
        durationMs: performance.now() - started,
      });
    }
  }
}

/** The results, counted by status. */
function tally(results: TestResult[]): TestSummary {
  return {
    results,
    passed: results.filter((r) => r.status === 'pass').length,
    failed: results.filter((r) => r.status === 'fail' || r.status === 'error').length,
    warned: results.filter((r) => r.status === 'warn').length,
  };
}
