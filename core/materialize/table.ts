import { inTransaction } from '../engine/adapter.js';
import { insertBuildSql } from '../state/builds.js';
import { buildAndSwap } from './swap-table.js';
import type { ModelWrite, WriteContext, WriteResult } from './write-context.js';

/**
 * `table`: build into a new table, then swap it in, all in one transaction with its build
 * record (content hash and the version of what it read).
 */
export async function writeTable(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  const { step, model } = write;
  const { conn } = ctx;
  const { rows, contentHash, tests } = await inTransaction(conn, async () => {
    const built = await buildAndSwap(conn, model.schema, model.name, step.sql);
    await conn.run(
      insertBuildSql({
        model: model.name,
        materialized: 'table',
        fingerprint: model.fingerprint,
        rowCount: built.rows,
        contentHash: built.contentHash,
        inputVersion: write.inputVersion,
        runId: ctx.runId,
        builtAt: ctx.now(),
      }),
    );
    return { ...built, tests: (await ctx.verify?.(model, undefined)) ?? [] };
  });
  return { rows, windows: [], contentHash, tests };
}
