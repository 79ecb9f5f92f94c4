import { inTransaction } from '../engine/adapter.js';
import { insertModelBuildSql } from '../state/ledger.js';
import { buildAndSwap } from './swap-table.js';
import { modelRecord } from './write-context.js';
import type { ModelWrite, WriteContext, WriteResult } from './write-context.js';

/** `table`: build into a new table, then swap it in, all in one transaction. */
export async function writeTable(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  const { step, model } = write;
  const { conn } = ctx;
  const { rows, tests } = await inTransaction(conn, async () => {
    const rows = await buildAndSwap(conn, model.schema, model.name, step.sql);
    await conn.run(insertModelBuildSql(modelRecord(ctx, write, rows)));
    return { rows, tests: (await ctx.verify?.(model, undefined)) ?? [] };
  });
  return { rows, windows: [], tests };
}
