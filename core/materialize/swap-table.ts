import type { Connection } from '../engine/adapter.js';
import { qualified, quoteIdent } from '../util/sql.js';
import { contentHash, hashedColumns } from './stage.js';

/**
 * Build `schema.name` from `select` into a new table and swap it in for whatever relation has
 * the name (table or view); returns the new row count and content hash. Call inside a
 * transaction: readers never see an empty or half-built table.
 */
export async function buildAndSwap(
  conn: Connection,
  schema: string,
  name: string,
  select: string,
): Promise<{ rows: number; contentHash: string }> {
  const fresh = qualified(schema, `${name}__etl_new`);
  await conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  await conn.run(`DROP TABLE IF EXISTS ${fresh}`);
  await conn.run(`CREATE TABLE ${fresh} AS\n${select}`);
  await replaceRelation(conn, schema, name, `${name}__etl_new`);
  return tableStats(conn, qualified(schema, name));
}

/** Drop `schema.name` (a table or a view) if it exists and rename `from` to it. */
export async function replaceRelation(
  conn: Connection,
  schema: string,
  name: string,
  from: string,
): Promise<void> {
  const kind = await conn.relationKind(schema, name);
  if (kind !== undefined)
    await conn.run(`DROP ${kind === 'view' ? 'VIEW' : 'TABLE'} ${qualified(schema, name)}`);
  await conn.run(`ALTER TABLE ${qualified(schema, from)} RENAME TO ${quoteIdent(name)}`);
}

/** Row count and order-independent content hash of a whole relation, by column name. */
export async function tableStats(
  conn: Connection,
  relation: string,
): Promise<{ rows: number; contentHash: string }> {
  const columns = await conn.columns(relation);
  const [row] = await conn.query(
    `SELECT count(*) AS n, ${conn.dialect.rowHashSum('etl_row__')} AS h FROM (SELECT ${hashedColumns(columns)} FROM ${relation}) AS etl_row__`,
  );
  return { rows: Number(row?.n ?? 0), contentHash: contentHash(row?.h ?? 0, columns) };
}
