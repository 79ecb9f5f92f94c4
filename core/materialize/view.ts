import { inTransaction } from '../engine/adapter.js';
import { quoteIdent } from '../util/sql.js';
import { insertBuildSql } from '../state/builds.js';
import type { ModelWrite, WriteContext, WriteResult } from './write-context.js';

/** `view`: CREATE OR REPLACE VIEW, replacing a table of the same name in the same transaction. */
export async function writeView(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  const { step, model } = write;
  const { conn } = ctx;
  const tests = await inTransaction(conn, async () => {
    await conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(model.schema)}`);
    if ((await conn.relationKind(model.schema, model.name)) === 'table')
      await conn.run(`DROP TABLE ${model.relation}`);
    await conn.run(`CREATE OR REPLACE VIEW ${model.relation} AS\n${step.sql}`);
    await conn.run(
      insertBuildSql({
        model: model.name,
        materialized: 'view',
        fingerprint: model.fingerprint,
        rowCount: 0,
        contentHash: undefined,
        inputVersion: write.inputVersion,
        runId: ctx.runId,
        builtAt: ctx.now(),
      }),
    );
    return (await ctx.verify?.(model, undefined)) ?? [];
  });
  return { rows: 0, windows: [], tests };
}
