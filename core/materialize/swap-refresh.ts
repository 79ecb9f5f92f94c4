import { inTransaction } from '../engine/adapter.js';
import { NEXT_SEQ, PARTITIONS, REFRESHING } from '../state/ledger.js';
import { insertBuildSql } from '../state/builds.js';
import { refreshName } from '../state/warehouse-state.js';
import { qualified, quoteString } from '../util/sql.js';
import { replaceRelation, tableStats } from './swap-table.js';
import type { ModelWrite, WriteContext, WriteResult } from './write-context.js';

/**
 * The end of a full refresh, in one transaction: the table built aside replaces the model's
 * relation, and the ledger rows of its windows move to the ledger (newest row per window), so
 * that readers and `status` see the old table and its windows until this commits, then the
 * new ones. The model's data tests run on the new table before the commit.
 */
export async function writeSwap(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  const { conn } = ctx;
  const { model } = write;
  const name = quoteString(model.name);
  return inTransaction(conn, async () => {
    await replaceRelation(conn, model.schema, model.name, refreshName(model.name));
    const newest = conn.dialect.newestPerKey(
      `(SELECT * FROM ${REFRESHING} WHERE model = ${name})`,
      'window_start',
      'seq',
    );
    const rows = await conn.query(
      `SELECT ${conn.dialect.epochMs('window_start')} AS s, ${conn.dialect.epochMs('window_end')} AS e, row_count, content_hash, "partial" FROM (${newest}) ORDER BY window_start`,
    );
    // Windows the refresh did not write (before a start moved later, or of another grain)
    // left the table with it.
    await conn.run(
      `DELETE FROM ${PARTITIONS} WHERE model = ${name} AND window_start NOT IN (SELECT window_start FROM ${REFRESHING} WHERE model = ${name})`,
    );
    await conn.run(
      `INSERT INTO ${PARTITIONS} (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq)
SELECT model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, ${NEXT_SEQ}
FROM (${newest}) ORDER BY window_start`,
    );
    await conn.run(`DELETE FROM ${REFRESHING} WHERE model = ${name}`);
    const stats = await tableStats(conn, model.relation);
    if (model.config.uniqueKey !== undefined)
      await conn.run(
        insertBuildSql({
          model: model.name,
          materialized: 'incremental',
          fingerprint: model.fingerprint,
          rowCount: stats.rows,
          contentHash: stats.contentHash,
          inputVersion: undefined,
          runId: ctx.runId,
          builtAt: ctx.now(),
        }),
      );
    const tests = (await ctx.verify?.(model, undefined)) ?? [];
    return {
      rows: stats.rows,
      windows: rows.map((r) => ({
        window: { start: Number(r.s), end: Number(r.e) },
        rows: Number(r.row_count),
        contentHash: String(r.content_hash ?? ''),
        partial: r.partial === null ? undefined : String(r.partial),
      })),
      contentHash: stats.contentHash,
      tests,
    };
  });
}

/** Drop what an unfinished full refresh left aside: its table and its ledger rows. */
export async function discardRefresh(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  const { conn } = ctx;
  const { model } = write;
  await inTransaction(conn, async () => {
    await conn.run(`DROP TABLE IF EXISTS ${qualified(model.schema, refreshName(model.name))}`);
    await conn.run(`DELETE FROM ${REFRESHING} WHERE model = ${quoteString(model.name)}`);
  });
  return { rows: 0, windows: [] };
}
