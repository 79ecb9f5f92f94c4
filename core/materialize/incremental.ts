import type { ErrorCode } from '../error-codes.js';
import { EtlError, WindowError, errorMessage } from '../errors.js';
import type { Column, Connection, RelationKind } from '../engine/adapter.js';
import type { Dialect } from '../engine/dialect.js';
import { REFRESHING } from '../state/ledger.js';
import { formatTimestamp, mergeWindows, windowLabel, type Window } from '../time/window.js';
import { quoteIdent, quoteString, subquery } from '../util/sql.js';
import { columnList, hashedColumns } from './stage.js';
import { evolveColumns } from './schema-change.js';
import { contentHashSql, ledgerRowsSql, type LedgerWindow } from './ledger-rows.js';
import { beginStatements, type Statement } from './statement.js';
import { restoreStatements } from './swap-table.js';
import { Busy, BuiltElsewhere, windowClaim } from './claim.js';
import { CheckFailed, rowsOf, runStatements } from './run-statements.js';
import { testStatements } from './test-statements.js';
import {
  writeTarget,
  type ModelWrite,
  type StepMeta,
  type WriteContext,
  type WriteResult,
} from './write-context.js';

const OUTSIDE = 'etl: a row outside the window';

/** What the engine says before an incremental step's transaction. */
export interface IncrementalFacts {
  /** The query's columns. */
  readonly columns: readonly Column[];
  /** What has the model's name now (undefined: nothing). */
  readonly existing: RelationKind | undefined;
}

/**
 * `incremental` with `time_column`: in one transaction, delete the step's windows, insert the
 * query's rows (a row outside the windows aborts the statement), and append one ledger row per
 * window with its row count, content hash and the version of what it read. Any error rolls
 * everything back: the windows keep their previous rows. A full refresh writes the same way
 * into the table it builds aside (`refresh: 'start'` makes that table anew).
 */
export async function writeIncremental(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  const facts = await incrementalFacts(ctx, write);
  const statements = incrementalStatements(write, ctx.conn.dialect, facts, {
    runId: ctx.runId,
    now: ctx.now(),
    tests: ctx.tests,
    wait: ctx.wait,
  });
  const { step, model } = write;
  const create = facts.existing === undefined || step.refresh === 'start';
  const tableKey = `${writeTarget(step, model).relation}|table`;
  try {
    const results = await runStatements(ctx.conn, statements);
    if (create) ctx.cache?.set(tableKey, facts.columns);
    const byStart = new Map(step.windows.map((w) => [w.start, w]));
    const windows = rowsOf(results, 'ledger').map((r) => ({
      window: windowOf(byStart, Number(r.w)),
      rows: Number(r.row_count),
      contentHash: String(r.content_hash),
      partial: write.inputs?.get(Number(r.w))?.partial,
    }));
    return { rows: windows.reduce((sum, w) => sum + w.rows, 0), windows, tests: results.tests };
  } catch (error) {
    if (create) ctx.cache?.delete(tableKey);
    // The engine's message of the guard is its own; the SQL it quotes also holds the text.
    if (!(errorMessage(error).split('\n')[0] ?? '').includes(OUTSIDE)) {
      if (
        error instanceof EtlError ||
        error instanceof Busy ||
        error instanceof BuiltElsewhere ||
        error instanceof CheckFailed
      )
        throw error;
      throw windowError(write, 'E_SQL', errorMessage(error), { cause: error });
    }
    throw await outsideWindowError(ctx.conn, write);
  }
}

/**
 * The pure part: the statements of an incremental step, in order, from what the engine said
 * before it (`facts`). Golden files hold them per dialect.
 */
export function incrementalStatements(
  write: ModelWrite,
  dialect: Dialect,
  facts: IncrementalFacts,
  meta: StepMeta,
): Statement[] {
  const { step, model, sql } = write;
  const column = timeColumnOf(write);
  const target = writeTarget(step, model);
  const span = mergeWindows(step.windows);
  const inSpan = spanCondition(span);
  const tc = quoteIdent(column);
  const cols = columnList(facts.columns);
  const fresh = step.refresh === 'start';
  const statements: Statement[] = beginStatements(
    dialect,
    step.windows.map((w) => `${target.relation}@${w.start}`),
    { wait: meta.wait, claim: windowClaim(dialect, write) },
  );
  if (facts.existing === undefined || fresh)
    statements.push(...createStatements(write, dialect, facts));
  statements.push(
    { purpose: 'delete', sql: `DELETE FROM ${target.relation} WHERE ${inSpan(tc)}` },
    {
      purpose: 'insert',
      // A row outside the windows aborts the insert, so nothing outside is ever written.
      sql: `INSERT INTO ${target.relation} (${cols}) SELECT ${cols} FROM ${subquery(sql)} AS etl_q
WHERE ${dialect.guard(inSpan(`etl_q.${tc}`), OUTSIDE)}`,
    },
    {
      purpose: 'ledger',
      returns: true,
      sql: ledgerRowsSql(dialect, {
        table: target.ledger,
        windows: ledgerWindows(write, meta),
        rows: `SELECT ${hashedColumns(facts.columns)} FROM ${target.relation} WHERE ${inSpan(tc)}`,
        columns: facts.columns,
        windowKey: dialect.windowKey(tc, model.config.grain),
      }),
    },
  );
  if (write.samples !== undefined) statements.push(sampleCheck(write.samples, facts, dialect));
  // A full refresh tests the whole table when it is swapped in.
  if (step.refresh === undefined && meta.tests !== undefined)
    statements.push(...testStatements(meta.tests, model, inSpan(tc)));
  statements.push({ purpose: 'commit', sql: 'COMMIT' });
  return statements;
}

/**
 * The check of a merged write (adaptive batching): the count and content hash of the rows the
 * query gives for each sample window alone (one pass over them), which must equal the ledger
 * row the merged write just recorded for that window (see checkPassed), else the step fails.
 * A template that reads its window as a value (`{{ start }} as day`, `'{{ ds }}' as as_of`)
 * gives other rows merged than alone; so can a query that is not deterministic.
 */
function sampleCheck(
  samples: NonNullable<ModelWrite['samples']>,
  facts: IncrementalFacts,
  dialect: Dialect,
): Statement {
  const cols = hashedColumns(facts.columns);
  const alone = samples.map(
    (sample) =>
      `SELECT ${sample.window.start} AS w, count(*) AS c, ${contentHashSql(dialect, dialect.rowHashSum('etl_row__'), facts.columns)} AS h
FROM (SELECT ${cols} FROM ${subquery(sample.sql)} AS etl_q) AS etl_row__`,
  );
  return {
    purpose: 'check',
    returns: true,
    failure: 'merge differs',
    against: 'ledger',
    sql: alone.join('\nUNION ALL\n'),
  };
}

/**
 * A new, empty table with the query's columns: dropping what had the name, or (a full
 * refresh starting) what an interrupted one left aside.
 */
function createStatements(
  write: ModelWrite,
  dialect: Dialect,
  facts: IncrementalFacts,
): Statement[] {
  const target = writeTarget(write.step, write.model);
  const statements: Statement[] = [];
  if (facts.existing !== undefined)
    statements.push({
      purpose: 'drop',
      sql: dialect.dropRelation(facts.existing === 'view' ? 'VIEW' : 'TABLE', target.relation),
    });
  if (write.step.refresh === 'start')
    statements.push({
      purpose: 'drop',
      sql: `DELETE FROM ${REFRESHING} WHERE model = ${quoteString(write.model.name)}`,
    });
  const cols = columnList(facts.columns);
  statements.push(
    { purpose: 'schema', sql: `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(target.schema)}` },
    {
      purpose: 'create',
      sql: `CREATE TABLE ${target.relation} AS SELECT ${cols} FROM ${subquery(write.sql)} AS etl_q LIMIT 0`,
    },
  );
  if (dialect.indexOn !== undefined)
    statements.push({
      purpose: 'create',
      sql: dialect.indexOn(target.relation, [timeColumnOf(write)]),
    });
  statements.push(...restoreStatements(dialect, facts.existing));
  return statements;
}

/**
 * Before the transaction: the query's columns (described once per model and is_incremental()
 * branch in a run), what exists under the model's name, and, when the table's columns no
 * longer match the query's, the schema change `on_schema_change` allows.
 */
async function incrementalFacts(ctx: WriteContext, write: ModelWrite): Promise<IncrementalFacts> {
  const { conn } = ctx;
  const { step, model } = write;
  const column = timeColumnOf(write);
  const target = writeTarget(step, model);
  const key = `${model.name}|${step.isIncremental ? 1 : 0}|${step.refresh ?? ''}`;
  let columns: readonly Column[] | undefined = ctx.cache?.get(key);
  if (columns === undefined) {
    try {
      columns = await conn.columns(subquery(write.sql));
    } catch (error) {
      throw windowError(write, 'E_SQL', errorMessage(error), { cause: error });
    }
    ctx.cache?.set(key, columns);
  }
  if (!columns.some((c) => c.name.toLowerCase() === column.toLowerCase()))
    throw windowError(
      write,
      'E_TIME_COLUMN',
      `time_column '${column}' is not a column of the query (${columns.map((c) => c.name).join(', ')})`,
    );
  const fresh = step.refresh === 'start';
  // The table of a step that saw is_incremental() true exists: the planner said so.
  const existing =
    step.isIncremental && !fresh ? 'table' : await conn.relationKind(target.schema, target.name);
  if (existing === 'view' && !fresh)
    throw windowError(write, 'E_NOT_A_TABLE', `${target.relation} is a view`, {
      hint: 'rerun with --full-refresh to replace it',
    });
  if (existing !== undefined && !fresh) await fitColumns(ctx, write, columns);
  return { columns, existing };
}

/** Check the table's columns against the query's, adding new ones if the model allows. */
async function fitColumns(
  ctx: WriteContext,
  write: ModelWrite,
  columns: readonly Column[],
): Promise<void> {
  const { model } = write;
  const target = writeTarget(write.step, model);
  const tableKey = `${target.relation}|table`;
  let existing = ctx.cache?.get(tableKey);
  if (existing === undefined) {
    existing = await ctx.conn.columns(target.relation);
    ctx.cache?.set(tableKey, existing);
  }
  await evolveColumns(ctx, model, target, existing, columns, (message) =>
    windowError(write, 'E_SCHEMA_CHANGE', message, {
      hint:
        model.config.onSchemaChange === 'fail'
          ? `rerun with --full-refresh to rebuild ${model.name} with the new columns, or set on_schema_change='append_new_columns' to add new ones`
          : `a column's type changed: rerun with --full-refresh to rebuild ${model.name}`,
    }),
  );
}

/** The ledger rows of a step's windows, before their counts and hashes are known. */
function ledgerWindows(write: ModelWrite, meta: StepMeta): LedgerWindow[] {
  return write.step.windows.map((window) => {
    const inputs = write.inputs?.get(window.start);
    return {
      model: write.model.name,
      window,
      fingerprint: write.model.fingerprint,
      inputVersion: inputs?.version,
      inputStart: inputs?.inputStart,
      partial: inputs?.partial,
      runId: meta.runId,
      finishedAt: meta.now,
    };
  });
}

/** After the rollback: count what the query returned outside the windows, for the message. */
async function outsideWindowError(conn: Connection, write: ModelWrite): Promise<WindowError> {
  const column = timeColumnOf(write);
  const span = mergeWindows(write.step.windows);
  const [row] = await conn.query(
    `SELECT count(*) AS n FROM ${subquery(write.sql)} AS etl_q WHERE etl_q.${quoteIdent(column)} IS NULL OR NOT (${spanCondition(span)(`etl_q.${quoteIdent(column)}`)})`,
  );
  const n = Number(row?.n ?? 0);
  return windowError(
    write,
    'E_OUTSIDE_WINDOW',
    `the query returned ${n} row${n === 1 ? '' : 's'} with ${column} outside [${formatTimestamp(span.start)}, ${formatTimestamp(span.end)}); nothing was written`,
    { hint: `filter the query with: where ${column} >= {{ start }} and ${column} < {{ end }}` },
  );
}

/** `expr` within `span`, as SQL. */
export function spanCondition(span: Window): (expr: string) => string {
  const from = `TIMESTAMP '${formatTimestamp(span.start)}'`;
  const to = `TIMESTAMP '${formatTimestamp(span.end)}'`;
  return (expr) => `${expr} >= ${from} AND ${expr} < ${to}`;
}

function timeColumnOf(write: ModelWrite): string {
  const column = write.model.config.timeColumn;
  if (column === undefined) throw new Error(`model ${write.model.name} has no time_column`);
  return column;
}

function windowOf(windows: ReadonlyMap<number, Window>, start: number): Window {
  const window = windows.get(start);
  if (window === undefined) throw new Error(`the ledger returned a window not written: ${start}`);
  return window;
}

function windowError(
  write: ModelWrite,
  code: ErrorCode,
  message: string,
  extra: { hint?: string; cause?: unknown } = {},
): WindowError {
  const { step, model } = write;
  const first = step.windows[0];
  const label =
    step.windows.length === 1 && first
      ? windowLabel(first, model.config.grain)
      : windowLabel(mergeWindows(step.windows));
  return new WindowError(code, `model '${model.name}' window ${label}: ${message}`, {
    model: model.name,
    window: label,
    sql: write.sql,
    ...extra,
  });
}
