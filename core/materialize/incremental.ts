import type { ErrorCode } from '../error-codes.js';
import { WindowError, errorMessage } from '../errors.js';
import type { Column, Row } from '../engine/adapter.js';
import { REFRESHING, insertPartitionsSql, type NewPartition } from '../state/ledger.js';
import { formatTimestamp, mergeWindows, windowLabel } from '../time/window.js';
import { quoteIdent, quoteString, subquery } from '../util/sql.js';
import { columnList, contentHash, hashedColumns } from './stage.js';
import { evolveColumns } from './schema-change.js';
import {
  writeTarget,
  type ModelWrite,
  type WriteContext,
  type WriteResult,
} from './write-context.js';

const ROW = 'etl_row__';
const OUTSIDE = 'etl: a row outside the window';

/**
 * `incremental` with `time_column`: in one transaction, delete the step's windows, insert the
 * query's rows (a row outside the windows aborts the statement), count and hash the rows of
 * each window, and append one ledger row per window with the version of what it read. Any
 * error rolls everything back: the windows keep their previous rows. The query's columns are
 * described once per model and run. A full refresh writes the same way into the table it
 * builds aside (`refresh: 'start'` makes that table anew).
 */
export async function writeIncremental(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  const { conn } = ctx;
  const { step, model } = write;
  const column = model.config.timeColumn;
  if (column === undefined) throw new Error(`model ${model.name} has no time_column`);
  const target = writeTarget(step, model);
  const span = mergeWindows(step.windows);
  const first = step.windows[0];
  const label =
    step.windows.length === 1 && first ? windowLabel(first, model.config.grain) : windowLabel(span);
  const tc = quoteIdent(column);
  const bounds = `TIMESTAMP '${formatTimestamp(span.start)}' AND`;
  const inSpan = (expr: string): string =>
    `${expr} >= ${bounds} ${expr} < TIMESTAMP '${formatTimestamp(span.end)}'`;
  const fail = (code: ErrorCode, message: string, extra: { hint?: string; cause?: unknown } = {}) =>
    new WindowError(code, `model '${model.name}' window ${label}: ${message}`, {
      model: model.name,
      window: label,
      sql: step.sql,
      ...extra,
    });

  // The query's columns: described once per model and is_incremental() branch in a run.
  const key = `${model.name}|${step.isIncremental ? 1 : 0}|${step.refresh ?? ''}`;
  let columns: readonly Column[] | undefined = ctx.cache?.get(key);
  if (columns === undefined) {
    try {
      columns = await conn.columns(subquery(step.sql));
    } catch (error) {
      throw fail('E_SQL', errorMessage(error), { cause: error });
    }
    ctx.cache?.set(key, columns);
  }
  if (!columns.some((c) => c.name.toLowerCase() === column.toLowerCase()))
    throw fail(
      'E_TIME_COLUMN',
      `time_column '${column}' is not a column of the query (${columns.map((c) => c.name).join(', ')})`,
    );
  const cols = columnList(columns);

  // Before the transaction: what is there (cached for the run after the first window).
  const tableKey = `${target.relation}|table`;
  const fresh = step.refresh === 'start';
  const kind =
    step.isIncremental && !fresh ? 'table' : await conn.relationKind(target.schema, target.name);
  if (kind === 'view' && !fresh)
    throw fail('E_NOT_A_TABLE', `${target.relation} is a view`, {
      hint: 'rerun with --full-refresh to replace it',
    });
  const create = kind === undefined || fresh;
  if (!create) {
    let existing = ctx.cache?.get(tableKey);
    if (existing === undefined) {
      existing = await conn.columns(target.relation);
      ctx.cache?.set(tableKey, existing);
    }
    await evolveColumns(ctx, model, target, existing, columns, (message) =>
      fail('E_SCHEMA_CHANGE', message, {
        hint:
          model.config.onSchemaChange === 'fail'
            ? `rerun with --full-refresh to rebuild ${model.name} with the new columns, or set on_schema_change='append_new_columns' to add new ones`
            : `a column's type changed: rerun with --full-refresh to rebuild ${model.name}`,
      }),
    );
  }

  // Statements that return nothing go to the engine together, in as few round trips as the
  // queries in between allow. The explicit BEGIN comes first, so a failure anywhere is
  // rolled back, never committed.
  const batch: string[] = ['BEGIN TRANSACTION'];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await conn.run(batch.join(';\n'));
    batch.length = 0;
  };
  try {
    if (create) {
      if (kind !== undefined)
        batch.push(`DROP ${kind === 'view' ? 'VIEW' : 'TABLE'} ${target.relation}`);
      if (fresh) batch.push(`DELETE FROM ${REFRESHING} WHERE model = ${quoteString(model.name)}`);
      batch.push(
        `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(target.schema)}`,
        `CREATE TABLE ${target.relation} AS SELECT ${cols} FROM ${subquery(step.sql)} LIMIT 0`,
      );
    }
    batch.push(
      `DELETE FROM ${target.relation} WHERE ${inSpan(tc)}`,
      // A row outside the windows aborts the insert, so nothing outside is ever written.
      `INSERT INTO ${target.relation} (${cols}) SELECT ${cols} FROM ${subquery(step.sql)} AS etl_q
WHERE ${conn.dialect.guard(inSpan(`etl_q.${tc}`), OUTSIDE)}`,
    );
    await flush();
    if (create) ctx.cache?.set(tableKey, columns);
    // One window: no grouping needed (the common case); a batch: one group per window.
    const rows = `FROM (SELECT ${hashedColumns(columns)} FROM ${target.relation} WHERE ${inSpan(tc)}) AS ${ROW}`;
    const stats: Row[] =
      step.windows.length === 1
        ? (
            await conn.query(`SELECT count(*) AS n, ${conn.dialect.rowHashSum(ROW)} AS h ${rows}`)
          ).map((r) => ({ ...r, w: span.start }))
        : await conn.query(
            `SELECT ${conn.dialect.windowKey(tc, model.config.grain)} AS w, count(*) AS n, ${conn.dialect.rowHashSum(ROW)} AS h ${rows} GROUP BY 1`,
          );
    const byWindow = new Map(stats.map((r) => [Number(r.w), r]));
    const finishedAt = ctx.now();
    const records: NewPartition[] = step.windows.map((window) => {
      const r = byWindow.get(window.start);
      const inputs = write.inputs?.get(window.start);
      return {
        model: model.name,
        window,
        fingerprint: model.fingerprint,
        rowCount: Number(r?.n ?? 0),
        contentHash: contentHash(r?.h ?? 0, columns),
        inputVersion: inputs?.version,
        inputStart: inputs?.inputStart,
        partial: inputs?.partial,
        forwardOnly: false,
        runId: ctx.runId,
        finishedAt,
      };
    });
    batch.push(insertPartitionsSql(records, target.ledger));
    let tests: WriteResult['tests'] = [];
    // A full refresh tests the whole table when it is swapped in.
    if (ctx.verify?.models.has(model.name) && step.refresh === undefined) {
      await flush();
      tests = await ctx.verify(model, inSpan(tc));
    }
    batch.push('COMMIT');
    await flush();
    const windows = records.map((r) => ({
      window: r.window,
      rows: r.rowCount,
      contentHash: r.contentHash ?? '',
      partial: r.partial,
    }));
    return { rows: windows.reduce((sum, w) => sum + w.rows, 0), windows, tests };
  } catch (error) {
    await conn.run('ROLLBACK').catch(() => undefined);
    if (create) ctx.cache?.delete(tableKey);
    // The engine's message of the guard is its own; the SQL it quotes also holds the text.
    if (!(errorMessage(error).split('\n')[0] ?? '').includes(OUTSIDE)) {
      if (error instanceof WindowError) throw error;
      throw fail('E_SQL', errorMessage(error), { cause: error });
    }
    // After the rollback: count what the query returned outside the windows, for the message.
    const [row] = await conn.query(
      `SELECT count(*) AS n FROM ${subquery(step.sql)} AS etl_q WHERE etl_q.${tc} IS NULL OR NOT (${inSpan(`etl_q.${tc}`)})`,
    );
    const n = Number(row?.n ?? 0);
    throw fail(
      'E_OUTSIDE_WINDOW',
      `the query returned ${n} row${n === 1 ? '' : 's'} with ${column} outside [${formatTimestamp(span.start)}, ${formatTimestamp(span.end)}); nothing was written`,
      { hint: `filter the query with: where ${column} >= {{ start }} and ${column} < {{ end }}` },
    );
  }
}
