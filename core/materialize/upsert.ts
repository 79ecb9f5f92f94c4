import { WindowError, errorMessage } from '../errors.js';
import { inTransaction } from '../engine/adapter.js';
import { deletePartitionsSql, insertPartitionsSql } from '../state/ledger.js';
import { windowLabel } from '../plan/window.js';
import { quoteIdent } from '../util/sql.js';
import {
  columnList,
  contentHashExpression,
  formatContentHash,
  prepareTarget,
  stageName,
} from './stage.js';
import type { ModelWrite, WriteContext, WriteResult } from './write-context.js';

/**
 * `incremental` with `unique_key`: in one transaction, stage the query, refuse duplicate keys,
 * delete the rows whose key is staged, insert the staged rows, and record the run's window.
 */
export async function writeUpsert(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  const { conn } = ctx;
  const { step, model } = write;
  const keys = model.config.uniqueKey ?? [];
  const label = windowLabel(step.renderWindow, 'day');
  const stage = stageName(model);
  return inTransaction(conn, async () => {
    try {
      await conn.run(`CREATE TEMP TABLE ${stage} AS\n${step.sql}`);
    } catch (error) {
      throw new WindowError('E_SQL', `model '${model.name}' (${label}): ${errorMessage(error)}`, {
        model: model.name,
        window: label,
        sql: step.sql,
        cause: error,
      });
    }
    const staged = new Set((await conn.columns(stage)).map((c) => c.name.toLowerCase()));
    const missing = keys.filter((k) => !staged.has(k.toLowerCase()));
    if (missing.length > 0)
      throw new WindowError(
        'E_UNIQUE_KEY',
        `model '${model.name}': unique_key column ${missing.join(', ')} is not a column of the query`,
        { model: model.name, window: label },
      );
    const keyList = keys.map(quoteIdent).join(', ');
    const [dupes] = await conn.query(
      `SELECT count(*) AS n FROM (SELECT ${keyList} FROM ${stage} GROUP BY ${keyList} HAVING count(*) > 1)`,
    );
    const duplicated = Number(dupes?.n ?? 0);
    if (duplicated > 0)
      throw new WindowError(
        'E_DUPLICATE_KEY',
        `model '${model.name}' (${label}): ${duplicated} unique_key value${duplicated === 1 ? '' : 's'} (${keys.join(', ')}) appear more than once in the query's rows; nothing was written`,
        { model: model.name, window: label },
      );
    const [stats] = await conn.query(
      `SELECT count(*) AS n, ${contentHashExpression('etl_row__')} AS h FROM ${stage} AS etl_row__`,
    );
    if (step.fullRefresh) await conn.run(deletePartitionsSql(model.name));
    const columns = await prepareTarget(conn, model, stage, {
      window: label,
      fullRefresh: step.fullRefresh,
    });
    const match = keys
      .map(
        (k) => `${model.relation}.${quoteIdent(k)} IS NOT DISTINCT FROM ${stage}.${quoteIdent(k)}`,
      )
      .join(' AND ');
    await conn.run(`DELETE FROM ${model.relation} USING ${stage} WHERE ${match}`);
    await conn.run(
      `INSERT INTO ${model.relation} (${columnList(columns)}) SELECT ${columnList(columns)} FROM ${stage}`,
    );
    const rows = Number(stats?.n ?? 0);
    await conn.run(
      insertPartitionsSql([
        {
          model: model.name,
          window: step.renderWindow,
          fingerprint: model.fingerprint,
          rowCount: rows,
          contentHash: formatContentHash(stats?.h),
          runId: ctx.runId,
          finishedAt: ctx.now(),
        },
      ]),
    );
    const scope = `(${keys.map(quoteIdent).join(', ')}) IN (SELECT (${keys.map(quoteIdent).join(', ')}) FROM ${stage})`;
    const tests = (await ctx.verify?.(model, scope)) ?? [];
    await conn.run(`DROP TABLE ${stage}`);
    return { rows, windows: [{ window: step.renderWindow, rows }], tests };
  });
}
