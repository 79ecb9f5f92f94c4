import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import type { Column, Connection, Row } from '../engine/adapter.js';
import type { CompiledGraph, CompiledModel } from '../compile/compiled-graph.js';
import { renderModel } from '../compile/compile-project.js';
import { DAY_MS, windowContaining, type Window } from '../time/window.js';
import { quoteIdent, quoteString, sqlLiteral } from '../util/sql.js';
import { didYouMean } from '../util/suggest.js';
import type { FixtureData, UnitTestSpec } from '../project/test-spec.js';
import type { TestResult } from './test-result.js';
import { formatRow } from './run-data-tests.js';

/** A unit test that cannot be set up (a bad fixture): reported as the test's failure. */
class FixtureError extends Error {}

/** What one unit test works in: its connection, and the temp tables and files it makes. */
interface Scratch {
  readonly conn: Connection;
  readonly compiled: CompiledGraph;
  /** Temp tables made so far (quoted), dropped when the test ends. */
  readonly temps: string[];
  /** A folder for CSV fixtures, removed when the test ends. */
  readonly dir: string;
}

/** How a unit test ended, short of its name and duration. */
type Verdict = Pick<TestResult, 'status' | 'failures' | 'message'>;

/**
 * Run one unit test on `conn` (a throwaway database where the model's upstream exists, so that
 * fixture columns take the real upstream types): every input of the model is replaced by a
 * temp table of fixture rows (or an empty one of the real shape when not given), the model is
 * rendered over them for its window, and its rows are compared with the expected ones,
 * ignoring order and the columns the expectation leaves out.
 */
export async function runUnitTest(
  conn: Connection,
  compiled: CompiledGraph,
  spec: UnitTestSpec,
  defaultDay: number,
): Promise<TestResult> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'etl-unit-'));
  const scratch: Scratch = { conn, compiled, temps: [], dir };
  const done = ({ status, failures, message }: Verdict): TestResult => ({
    name: spec.name,
    type: 'unit',
    model: spec.model,
    status,
    failures,
    message,
    durationMs: performance.now() - started,
  });
  try {
    return done(await checkModel(scratch, spec, defaultDay));
  } catch (error) {
    if (error instanceof FixtureError) return done(failed(error.message));
    return done({ status: 'error', failures: 0, message: errorMessage(error).split('\n')[0] });
  } finally {
    for (const t of scratch.temps)
      await conn.run(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A failure that counts no rows: the test could not compare them. */
function failed(message: string): Verdict {
  return { status: 'fail', failures: 0, message };
}

/** Run the model over its fixtures and compare its rows with the expected ones. */
async function checkModel(s: Scratch, spec: UnitTestSpec, defaultDay: number): Promise<Verdict> {
  const model = s.compiled.nodes.get(spec.model) as CompiledModel;
  const sql = await renderOverFixtures(s, model, spec, defaultDay);
  const actual = claimTemp(s, `etl_unit_actual__${s.temps.length}`);
  try {
    await s.conn.run(`CREATE TEMP TABLE ${actual} AS ${sql}`);
  } catch (error) {
    return failed(`the model's query failed: ${errorMessage(error).split('\n')[0] ?? ''}`);
  }
  return compareRows(s, actual, spec.expect);
}

/** Note a temp table of the test, to be dropped at its end; its quoted name. */
function claimTemp(s: Scratch, name: string): string {
  const quoted = quoteIdent(name);
  s.temps.push(quoted);
  return quoted;
}

/** The model's SQL for the test's window, the inputs it reads replaced by fixture tables. */
async function renderOverFixtures(
  s: Scratch,
  model: CompiledModel,
  spec: UnitTestSpec,
  defaultDay: number,
): Promise<string> {
  const refs = new Map<string, string>();
  for (const ref of model.refs) {
    const given = spec.given.find((g) => g.input.kind === 'ref' && g.input.name === ref);
    const real = s.compiled.nodes.get(ref)?.relation;
    refs.set(ref, await fixture(s, ref, real, given?.data, `input ref('${ref}')`));
  }
  // Sources the test does not give are read as declared.
  const sources = new Map<string, string>();
  for (const { input, data } of spec.given)
    if (input.kind === 'source')
      sources.set(
        `${input.group}.${input.name}`,
        await fixture(
          s,
          `${input.group}_${input.name}`,
          undefined,
          data,
          `source('${input.group}', '${input.name}')`,
        ),
      );
  const thisInput = spec.given.find((g) => g.input.kind === 'this');
  const self = thisInput
    ? await fixture(s, 'this', model.relation, thisInput.data, 'this')
    : undefined;
  return renderModel(s.compiled, model, {
    window: testWindow(model, spec, defaultDay),
    isIncremental: spec.isIncremental,
    overrides: {
      ref: (name) => refs.get(name),
      source: (group, name) => sources.get(`${group}.${name}`),
      ...(self === undefined ? {} : { self }),
    },
  });
}

/**
 * The window the test renders the model for, holding its `window` (else the model's start,
 * else `defaultDay`): at the model's grain when it is windowed by time, a day otherwise; an
 * upsert model's day starts at that instant, as its runs do.
 */
function testWindow(model: CompiledModel, spec: UnitTestSpec, defaultDay: number): Window {
  const { config } = model;
  const at = spec.at ?? config.start ?? defaultDay;
  if (config.kind === 'incremental_by_key') return { start: at, end: at + DAY_MS };
  return windowContaining(at, config.kind === 'incremental_by_time' ? config.grain : 'day');
}

/**
 * A temp table standing in for one input (`key` names it): the given rows, typed like `real`
 * (the relation it replaces) when that exists; an empty copy of `real` when none are given.
 */
async function fixture(
  s: Scratch,
  key: string,
  real: string | undefined,
  data: FixtureData | undefined,
  what: string,
): Promise<string> {
  const name = claimTemp(s, `etl_fixture__${s.temps.length}__${key}`);
  const columns = real !== undefined ? await tryColumns(s.conn, real) : undefined;
  if (data === undefined) {
    if (columns === undefined)
      throw new FixtureError(`${what} is not given and does not exist: give it rows`);
    await s.conn.run(`CREATE TEMP TABLE ${name} AS SELECT * FROM ${real ?? ''} LIMIT 0`);
    return name;
  }
  const rows = await fixtureRows(s, data);
  await s.conn.run(`CREATE TEMP TABLE ${name} AS ${rowsSelect(rows, columns, what)}`);
  return name;
}

/**
 * Compare the model's rows (in table `actual`) with the expected ones, on the columns the
 * expectation names (all of them when it names none), as text so that types need not match.
 */
async function compareRows(s: Scratch, actual: string, expect: FixtureData): Promise<Verdict> {
  const actualColumns = await s.conn.columns(actual);
  const expectedRows = await fixtureRows(s, expect);
  const keys = [...new Set(expectedRows.flatMap((r) => Object.keys(r)))];
  const known = new Set(actualColumns.map((c) => c.name));
  const unknown = keys.filter((k) => !known.has(k));
  if (unknown.length > 0)
    return failed(
      `expected column${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} not in the model's output (${[...known].join(', ')})${didYouMean(unknown[0] ?? '', known)}`,
    );
  const compared = keys.length > 0 ? keys : actualColumns.map((c) => c.name);
  const expected = claimTemp(s, `etl_unit_expected__${s.temps.length}`);
  const typed = actualColumns.filter((c) => compared.includes(c.name));
  await s.conn.run(`CREATE TEMP TABLE ${expected} AS ${rowsSelect(expectedRows, typed, 'expect')}`);
  const asText = (table: string) =>
    s.conn.query(
      `SELECT ${compared.map((c) => `CAST(${quoteIdent(c)} AS VARCHAR) AS ${quoteIdent(c)}`).join(', ')} FROM ${table}`,
    );
  return diffVerdict(rowDiff(await asText(expected), await asText(actual)));
}

/** Pass when the rows match; else a failure listing the rows missing and those not expected. */
function diffVerdict(diff: { missing: Row[]; unexpected: Row[] }): Verdict {
  if (diff.missing.length === 0 && diff.unexpected.length === 0)
    return { status: 'pass', failures: 0, message: undefined };
  const lines: string[] = [];
  if (diff.missing.length > 0)
    lines.push(
      `expected rows not in the output (${diff.missing.length}):`,
      ...diff.missing.map((r) => `  - ${formatRow(r)}`),
    );
  if (diff.unexpected.length > 0)
    lines.push(
      `rows not expected (${diff.unexpected.length}):`,
      ...diff.unexpected.map((r) => `  + ${formatRow(r)}`),
    );
  return {
    status: 'fail',
    failures: diff.missing.length + diff.unexpected.length,
    message: lines.join('\n'),
  };
}

/** The columns of `relation`, or undefined when it does not exist. */
async function tryColumns(conn: Connection, relation: string): Promise<Column[] | undefined> {
  try {
    return await conn.columns(relation);
  } catch {
    return undefined;
  }
}

/** Fixture rows as plain objects: YAML rows as given; CSV text and seeds read as text by DuckDB. */
async function fixtureRows(s: Scratch, data: FixtureData): Promise<Row[]> {
  if ('rows' in data) return data.rows.map((r) => ({ ...r }));
  let path: string;
  if ('csv' in data) {
    path = join(s.dir, `fixture-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(path, data.csv.endsWith('\n') ? data.csv : `${data.csv}\n`);
  } else {
    const seed = s.compiled.nodes.get(data.seed);
    if (seed?.kind !== 'seed') throw new FixtureError(`unknown seed '${data.seed}'`);
    path = seed.path;
  }
  return s.conn.query(`SELECT * FROM ${s.conn.dialect.readCsvAsText(quoteString(path))}`);
}

/**
 * A SELECT of fixture rows: each value cast to the column's real type when known (missing
 * columns NULL), or left to the literal's own type.
 */
function rowsSelect(
  rows: readonly Row[],
  columns: readonly Column[] | undefined,
  what: string,
): string {
  if (columns !== undefined) {
    const names = new Set(columns.map((c) => c.name));
    for (const row of rows)
      for (const key of Object.keys(row))
        if (!names.has(key))
          throw new FixtureError(
            `${what}: '${key}' is not one of its columns (${[...names].join(', ')})${didYouMean(key, names)}`,
          );
    const select = (row: Row | undefined) =>
      `SELECT ${columns.map((c) => `CAST(${row === undefined ? 'NULL' : literal(row[c.name])} AS ${c.type}) AS ${quoteIdent(c.name)}`).join(', ')}`;
    return rows.length === 0
      ? `${select(undefined)} LIMIT 0`
      : rows.map(select).join('\nUNION ALL ');
  }
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  if (keys.length === 0)
    throw new FixtureError(
      `${what}: give at least one row with columns, since its columns are unknown`,
    );
  return rows
    .map((row) => `SELECT ${keys.map((k) => `${literal(row[k])} AS ${quoteIdent(k)}`).join(', ')}`)
    .join('\nUNION ALL ');
}

function literal(value: unknown): string {
  return sqlLiteral(value === undefined ? null : value);
}

/** Multiset difference of two lists of rows (already rendered as text). */
function rowDiff(
  expected: readonly Row[],
  actual: readonly Row[],
): { missing: Row[]; unexpected: Row[] } {
  const key = (r: Row) =>
    JSON.stringify(
      Object.keys(r)
        .sort()
        .map((k) => [k, r[k] ?? null]),
    );
  const counts = new Map<string, { row: Row; n: number }>();
  for (const row of actual) {
    const k = key(row);
    const entry = counts.get(k);
    if (entry) entry.n++;
    else counts.set(k, { row, n: 1 });
  }
  const missing: Row[] = [];
  for (const row of expected) {
    const entry = counts.get(key(row));
    if (entry && entry.n > 0) entry.n--;
    else missing.push(row);
  }
  const unexpected = [...counts.values()].flatMap((e) => Array.from({ length: e.n }, () => e.row));
  return { missing, unexpected };
}
