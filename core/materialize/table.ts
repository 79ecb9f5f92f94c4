import { inTransaction } from '../engine/adapter.js';
import { qualified, quoteIdent } from '../util/sql.js';
import { insertModelBuildSql } from '../state/ledger.js';
import { modelRecord } from './write-context.js';
import type { ModelWrite, WriteContext, WriteResult } from './write-context.js';

/** `table`: build into a new table, then swap it in, all in one transaction. */
export async function writeTable(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  const { step, model } = write;
  const { conn } = ctx;
  const fresh = qualified(model.schema, `${model.name}__etl_new`);
  const { rows, tests } = await inTransaction(conn, async () => {
    await conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(model.schema)}`);
    await conn.run(`DROP TABLE IF EXISTS ${fresh}`);
    await conn.run(`CREATE TABLE ${fresh} AS\n${step.sql}`);
    const kind = await conn.relationKind(model.schema, model.name);
    if (kind !== undefined)
      await conn.run(`DROP ${kind === 'view' ? 'VIEW' : 'TABLE'} ${model.relation}`);
    await conn.run(`ALTER TABLE ${fresh} RENAME TO ${quoteIdent(model.name)}`);
    const [count] = await conn.query(`SELECT count(*) AS n FROM ${model.relation}`);
    const rows = Number(count?.n ?? 0);
    await conn.run(insertModelBuildSql(modelRecord(ctx, write, rows)));
    return { rows, tests: (await ctx.verify?.(model, undefined)) ?? [] };
  });
  return { rows, windows: [], tests };
}
