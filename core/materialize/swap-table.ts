import type { Connection } from '../engine/adapter.js';
import { qualified, quoteIdent } from '../util/sql.js';

/**
 * Build `schema.name` from `select` into a new table and swap it in for whatever relation has
 * the name (table or view); returns the new row count. Call inside a transaction: readers
 * never see an empty or half-built table.
 */
export async function buildAndSwap(
  conn: Connection,
  schema: string,
  name: string,
  select: string,
): Promise<number> {
  const fresh = qualified(schema, `${name}__etl_new`);
  const relation = qualified(schema, name);
  await conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  await conn.run(`DROP TABLE IF EXISTS ${fresh}`);
  await conn.run(`CREATE TABLE ${fresh} AS\n${select}`);
  const kind = await conn.relationKind(schema, name);
  if (kind !== undefined) await conn.run(`DROP ${kind === 'view' ? 'VIEW' : 'TABLE'} ${relation}`);
  await conn.run(`ALTER TABLE ${fresh} RENAME TO ${quoteIdent(name)}`);
  const [row] = await conn.query(`SELECT count(*) AS n FROM ${relation}`);
  return Number(row?.n ?? 0);
}
