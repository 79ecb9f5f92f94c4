import { WindowError, errorMessage } from '../errors.js';
import type { Column, Row } from '../engine/adapter.js';
import { deletePartitionsSql, insertPartitionsSql, type PartitionRecord } from '../state/ledger.js';
import { formatTimestamp, mergeWindows, windowLabel } from '../plan/window.js';
import { quoteIdent, subquery } from '../util/sql.js';
import {
  columnList,
  contentHashExpression,
  describeColumnChange,
  formatContentHash,
} from './stage.js';
import type { ModelWrite, WriteContext, WriteResult } from './write-context.js';

const ROW = 'etl_row__';
const OUTSIDE = 'etl: a row outside the window';

/**
 * `incremental` with `time_column`: in one transaction, delete the step's windows, insert the
 * query's rows (a row outside the windows aborts the statement), count and hash the rows of
 * each window, and append one ledger row per window. Any error rolls everything back: the
 * windows keep their previous rows. The query's columns are described once per model and run.
 */
export async function writeIncremental(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  const { conn } = ctx;
  const { step, model } = write;
  const column = model.config.timeColumn;
  if (column === undefined) throw new Error(`model ${model.name} has no time_column`);
  const span = mergeWindows(step.windows);
  const first = step.windows[0];
  const label =
    step.windows.length === 1 && first ? windowLabel(first, model.config.grain) : windowLabel(span);
  const tc = quoteIdent(column);
  const bounds = `TIMESTAMP '${formatTimestamp(span.start)}' AND`;
  const inSpan = (expr: string): string =>
    `${expr} >= ${bounds} ${expr} < TIMESTAMP '${formatTimestamp(span.end)}'`;
  const fail = (code: string, message: string, extra: { hint?: string; cause?: unknown } = {}) =>
    new WindowError(code, `model '${model.name}' window ${label}: ${message}`, {
      model: model.name,
      window: label,
      sql: step.sql,
      ...extra,
    });

  // The query's columns: described once per model and is_incremental() branch in a run.
  const key = `${model.name}|${step.isIncremental ? 1 : 0}`;
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
  const tableKey = `${model.name}|table`;
  const kind =
    step.isIncremental && !step.fullRefresh
      ? 'table'
      : await conn.relationKind(model.schema, model.name);
  if (kind === 'view' && !step.fullRefresh)
    throw fail('E_NOT_A_TABLE', `${model.relation} is a view`, {
      hint: 'rerun with --full-refresh to replace it',
    });
  const create = kind === undefined || step.fullRefresh;
  if (!create) {
    let existing = ctx.cache?.get(tableKey);
    if (existing === undefined) {
      existing = await conn.columns(model.relation);
      ctx.cache?.set(tableKey, existing);
    }
    const change = describeColumnChange(existing, columns);
    if (change !== undefined)
      throw fail(
        'E_SCHEMA_CHANGE',
        `the query's columns no longer match ${model.relation}: ${change}`,
        {
          hint: `rerun with --full-refresh to rebuild ${model.name} with the new columns`,
        },
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
    if (step.fullRefresh) batch.push(deletePartitionsSql(model.name));
    if (create) {
      if (kind !== undefined)
        batch.push(`DROP ${kind === 'view' ? 'VIEW' : 'TABLE'} ${model.relation}`);
      batch.push(
        `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(model.schema)}`,
        `CREATE TABLE ${model.relation} AS SELECT ${cols} FROM ${subquery(step.sql)} LIMIT 0`,
      );
    }
    batch.push(
      `DELETE FROM ${model.relation} WHERE ${inSpan(tc)}`,
      // A row outside the windows aborts the insert, so nothing outside is ever written.
      `INSERT INTO ${model.relation} (${cols}) SELECT ${cols} FROM ${subquery(step.sql)} AS etl_q
WHERE CASE WHEN ${inSpan(`etl_q.${tc}`)} THEN true ELSE error('${OUTSIDE}') END`,
    );
    await flush();
    if (create) ctx.cache?.set(tableKey, columns);
    // One window: no grouping needed (the common case); a batch: one group per window.
    const rows = `FROM (SELECT ${cols} FROM ${model.relation} WHERE ${inSpan(tc)}) AS ${ROW}`;
    const stats: Row[] =
      step.windows.length === 1
        ? (
            await conn.query(`SELECT count(*) AS n, ${contentHashExpression(ROW)} AS h ${rows}`)
          ).map((r) => ({ ...r, w: span.start }))
        : await conn.query(
            `SELECT epoch_ms(date_trunc('${model.config.grain}', ${tc}::TIMESTAMP)) AS w, count(*) AS n, ${contentHashExpression(ROW)} AS h ${rows} GROUP BY 1`,
          );
    const byWindow = new Map(stats.map((r) => [Number(r.w), r]));
    const finishedAt = ctx.now();
    const records: PartitionRecord[] = step.windows.map((window) => {
      const r = byWindow.get(window.start);
      return {
        model: model.name,
        window,
        fingerprint: model.fingerprint,
        rowCount: Number(r?.n ?? 0),
        contentHash: formatContentHash(r?.h ?? 0),
        runId: ctx.runId,
        finishedAt,
      };
    });
    batch.push(insertPartitionsSql(records));
    let tests: WriteResult['tests'] = [];
    if (ctx.verify?.models.has(model.name)) {
      await flush();
      tests = await ctx.verify(model, inSpan(tc));
    }
    batch.push('COMMIT');
    await flush();
    const windows = records.map((r) => ({ window: r.window, rows: r.rowCount }));
    return { rows: windows.reduce((sum, w) => sum + w.rows, 0), windows, tests };
  } catch (error) {
    await conn.run('ROLLBACK').catch(() => undefined);
    if (create) ctx.cache?.delete(tableKey);
    if (!errorMessage(error).includes(OUTSIDE)) {
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
