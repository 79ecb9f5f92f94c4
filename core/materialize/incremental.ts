import { WindowError, errorMessage } from '../errors.js';
import { inTransaction } from '../engine/adapter.js';
import { deletePartitionsSql, insertPartitionsSql, type PartitionRecord } from '../state/ledger.js';
import { formatTimestamp, mergeWindows, windowLabel, type Window } from '../plan/window.js';
import { quoteIdent } from '../util/sql.js';
import {
  columnList,
  contentHashExpression,
  formatContentHash,
  prepareTarget,
  stageName,
} from './stage.js';
import type { ModelWrite, WriteContext, WriteResult } from './write-context.js';

const ROW = 'etl_row__';

/**
 * `incremental` with `time_column`: in one transaction, stage the query, refuse rows outside
 * the step's windows, delete the windows, insert the rows, and append one ledger row per
 * window. Any error rolls everything back: the windows keep their previous rows.
 */
export async function writeIncremental(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  const { conn } = ctx;
  const { step, model } = write;
  const column = model.config.timeColumn;
  if (column === undefined) throw new Error(`model ${model.name} has no time_column`);
  const span = mergeWindows(step.windows);
  const label =
    step.windows.length === 1 && step.windows[0]
      ? windowLabel(step.windows[0], model.config.grain)
      : `${windowLabel(span)}`;
  const tc = quoteIdent(column);
  const inside = (w: Window): string =>
    `${tc} >= TIMESTAMP '${formatTimestamp(w.start)}' AND ${tc} < TIMESTAMP '${formatTimestamp(w.end)}'`;
  const stage = stageName(model);

  return inTransaction(conn, async () => {
    try {
      await conn.run(`CREATE TEMP TABLE ${stage} AS\n${step.sql}`);
    } catch (error) {
      throw new WindowError(
        'E_SQL',
        `model '${model.name}' window ${label}: ${errorMessage(error)}`,
        {
          model: model.name,
          window: label,
          sql: step.sql,
          cause: error,
        },
      );
    }
    if (!(await conn.columns(stage)).some((c) => c.name.toLowerCase() === column.toLowerCase()))
      throw new WindowError(
        'E_TIME_COLUMN',
        `model '${model.name}': time_column '${column}' is not a column of the query`,
        { model: model.name, window: label },
      );
    const perWindow = step.windows
      .map(
        (w, i) =>
          `count(*) FILTER (WHERE ${inside(w)}) AS n${i}, ${contentHashExpression(ROW, inside(w))} AS h${i}`,
      )
      .join(',\n  ');
    const [stats] = await conn.query(
      `SELECT count(*) FILTER (WHERE ${tc} IS NULL OR NOT (${inside(span)})) AS outside,\n  ${perWindow}\nFROM ${stage} AS ${ROW}`,
    );
    const outside = Number(stats?.outside ?? 0);
    if (outside > 0)
      throw new WindowError(
        'E_OUTSIDE_WINDOW',
        `model '${model.name}' window ${label}: the query returned ${outside} row${outside === 1 ? '' : 's'} with ${column} outside [${formatTimestamp(span.start)}, ${formatTimestamp(span.end)}); nothing was written`,
        {
          model: model.name,
          window: label,
          hint: `filter the query with: where ${column} >= {{ start }} and ${column} < {{ end }}`,
        },
      );
    if (step.fullRefresh) await conn.run(deletePartitionsSql(model.name));
    const columns = await prepareTarget(conn, model, stage, {
      window: label,
      fullRefresh: step.fullRefresh,
    });
    await conn.run(`DELETE FROM ${model.relation} WHERE ${inside(span)}`);
    await conn.run(
      `INSERT INTO ${model.relation} (${columnList(columns)}) SELECT ${columnList(columns)} FROM ${stage}`,
    );
    const finishedAt = ctx.now();
    const records: PartitionRecord[] = step.windows.map((window, i) => ({
      model: model.name,
      window,
      fingerprint: model.fingerprint,
      rowCount: Number(stats?.[`n${i}`] ?? 0),
      contentHash: formatContentHash(stats?.[`h${i}`]),
      runId: ctx.runId,
      finishedAt,
    }));
    await conn.run(insertPartitionsSql(records));
    await conn.run(`DROP TABLE ${stage}`);
    const tests = (await ctx.verify?.(model, inside(span))) ?? [];
    const windows = records.map((r) => ({ window: r.window, rows: r.rowCount }));
    return { rows: windows.reduce((sum, w) => sum + w.rows, 0), windows, tests };
  });
}
