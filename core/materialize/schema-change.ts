import { inTransaction, type Column } from '../engine/adapter.js';
import type { CompiledModel } from '../compile/compiled-graph.js';
import { quoteIdent } from '../util/sql.js';
import { columnChange, describeColumnChange } from './stage.js';
import type { WriteContext, WriteTarget } from './write-context.js';

/**
 * Check that a query's columns fit the table it writes. When they do not: with
 * `on_schema_change='append_new_columns'`, new columns are added to the table (old windows keep
 * NULL in them; columns the query no longer has stay, NULL in new rows), once, by the first
 * step of the run that sees the change, in a transaction of its own; a changed type, or any
 * change under `fail` (the default), throws the error `fail` makes. Returns whether the table
 * has new columns.
 */
export async function evolveColumns(
  ctx: WriteContext,
  model: CompiledModel,
  target: WriteTarget,
  existing: readonly Column[],
  columns: readonly Column[],
  fail: (message: string) => Error,
): Promise<boolean> {
  const change = columnChange(existing, columns);
  if (change === undefined) return false;
  const describe = `the query's columns no longer match ${target.relation}: ${describeColumnChange(existing, columns) ?? ''}`;
  if (model.config.onSchemaChange !== 'append_new_columns' || change.retyped.length > 0)
    throw fail(describe);
  if (change.added.length === 0) return false;
  const add = async (): Promise<void> => {
    // Another step may have added them while this one waited.
    const now = await ctx.conn.columns(target.relation);
    const missing = columnChange(now, columns)?.added ?? [];
    if (missing.length > 0)
      await inTransaction(ctx.conn, async () => {
        for (const c of missing)
          await ctx.conn.run(
            `ALTER TABLE ${target.relation} ADD COLUMN ${quoteIdent(c.name)} ${c.type}`,
          );
      });
    ctx.cache?.set(`${target.relation}|table`, [...now, ...missing]);
  };
  await (ctx.exclusively ? ctx.exclusively(`columns ${target.relation}`, add) : add());
  return true;
}
