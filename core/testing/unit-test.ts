import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import type { Column, Connection, Row } from '../engine/adapter.js';
import type { CompiledGraph, CompiledModel } from '../compile/compiled-graph.js';
import { renderModel } from '../compile/compile-project.js';
import { DAY_MS, windowContaining } from '../time/window.js';
import { quoteIdent, quoteString, sqlLiteral } from '../util/sql.js';
import { didYouMean } from '../util/suggest.js';
import type { FixtureData, UnitTestSpec } from '../project/test-spec.js';
import type { TestResult } from './test-result.js';
import { formatRow } from './run-data-tests.js';

/** A unit test that cannot be set up (a bad fixture): reported as the test's failure. */
class FixtureError extends Error {}

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
  const model = compiled.nodes.get(spec.model) as CompiledModel;
  const temps: string[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'etl-unit-'));
  const done = (status: TestResult['status'], failures: number, message?: string): TestResult => ({
    name: spec.name,
    type: 'unit',
    model: spec.model,
    status,
    failures,
    message,
    durationMs: performance.now() - started,
  });
  try {
    const fixture = async (
      key: string,
      real: string | undefined,
      data: FixtureData | undefined,
      what: string,
    ): Promise<string> => {
      const name = quoteIdent(`etl_fixture__${temps.length}__${key}`);
      temps.push(name);
      const columns = real !== undefined ? await tryColumns(conn, real) : undefined;
      if (data === undefined) {
        if (columns === undefined)
          throw new FixtureError(`${what} is not given and does not exist: give it rows`);
        await conn.run(`CREATE TEMP TABLE ${name} AS SELECT * FROM ${real ?? ''} LIMIT 0`);
        return name;
      }
      const rows = await fixtureRows(conn, compiled, data, scratch);
      await conn.run(`CREATE TEMP TABLE ${name} AS ${rowsSelect(rows, columns, what)}`);
      return name;
    };

    const refs = new Map<string, string>();
    for (const ref of model.refs) {
      const given = spec.given.find((g) => g.input.kind === 'ref' && g.input.name === ref);
      refs.set(
        ref,
        await fixture(ref, compiled.nodes.get(ref)?.relation, given?.data, `input ref('${ref}')`),
      );
    }
    const sources = new Map<string, string>();
    for (const g of spec.given)
      if (g.input.kind === 'source')
        sources.set(
          `${g.input.group}.${g.input.name}`,
          await fixture(
            `${g.input.group}_${g.input.name}`,
            undefined,
            g.data,
            `source('${g.input.group}', '${g.input.name}')`,
          ),
        );
    const thisInput = spec.given.find((g) => g.input.kind === 'this');
    const self = thisInput
      ? await fixture('this', model.relation, thisInput.data, 'this')
      : undefined;

    const grain =
      model.config.materialized === 'incremental' && model.config.timeColumn !== undefined
        ? model.config.grain
        : 'day';
    const at = spec.at ?? model.config.start ?? defaultDay;
    const window =
      grain === 'day' && model.config.uniqueKey !== undefined
        ? { start: at, end: at + DAY_MS }
        : windowContaining(at, grain);
    const sql = renderModel(compiled, model, {
      window,
      isIncremental: spec.isIncremental,
      overrides: {
        ref: (name) => refs.get(name),
        source: (group, name) => sources.get(`${group}.${name}`),
        ...(self === undefined ? {} : { self }),
      },
    });
    const actualName = quoteIdent(`etl_unit_actual__${temps.length}`);
    temps.push(actualName);
    try {
      await conn.run(`CREATE TEMP TABLE ${actualName} AS ${sql}`);
    } catch (error) {
      return done(
        'fail',
        0,
        `the model's query failed: ${errorMessage(error).split('\n')[0] ?? ''}`,
      );
    }
    const actualColumns = await conn.columns(actualName);
    const expectedRows = await fixtureRows(conn, compiled, spec.expect, scratch);
    const keys = [...new Set(expectedRows.flatMap((r) => Object.keys(r)))];
    const known = new Set(actualColumns.map((c) => c.name));
    const unknown = keys.filter((k) => !known.has(k));
    if (unknown.length > 0)
      return done(
        'fail',
        0,
        `expected column${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} not in the model's output (${[...known].join(', ')})${didYouMean(unknown[0] ?? '', known)}`,
      );
    const compared = keys.length > 0 ? keys : actualColumns.map((c) => c.name);
    const expectedName = quoteIdent(`etl_unit_expected__${temps.length}`);
    temps.push(expectedName);
    const typed = actualColumns.filter((c) => compared.includes(c.name));
    await conn.run(
      `CREATE TEMP TABLE ${expectedName} AS ${rowsSelect(expectedRows, typed, 'expect')}`,
    );
    const asText = (table: string) =>
      conn.query(
        `SELECT ${compared.map((c) => `CAST(${quoteIdent(c)} AS VARCHAR) AS ${quoteIdent(c)}`).join(', ')} FROM ${table}`,
      );
    const diff = rowDiff(await asText(expectedName), await asText(actualName));
    if (diff.missing.length === 0 && diff.unexpected.length === 0) return done('pass', 0);
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
    return done('fail', diff.missing.length + diff.unexpected.length, lines.join('\n'));
  } catch (error) {
    if (error instanceof FixtureError) return done('fail', 0, error.message);
    return done('error', 0, errorMessage(error).split('\n')[0]);
  } finally {
    for (const t of temps) await conn.run(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function tryColumns(conn: Connection, relation: string): Promise<Column[] | undefined> {
  try {
    return await conn.columns(relation);
  } catch {
    return undefined;
  }
}

/** Fixture rows as plain objects: YAML rows as given; CSV text and seeds read as text by DuckDB. */
async function fixtureRows(
  conn: Connection,
  compiled: CompiledGraph,
  data: FixtureData,
  scratch: string,
): Promise<Row[]> {
  if ('rows' in data) return data.rows.map((r) => ({ ...r }));
  let path: string;
  if ('csv' in data) {
    path = join(scratch, `fixture-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(path, data.csv.endsWith('\n') ? data.csv : `${data.csv}\n`);
  } else {
    const seed = compiled.nodes.get(data.seed);
    if (seed?.kind !== 'seed') throw new FixtureError(`unknown seed '${data.seed}'`);
    path = seed.path;
  }
  return conn.query(`SELECT * FROM ${conn.dialect.readCsvAsText(quoteString(path))}`);
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
export function rowDiff(
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
