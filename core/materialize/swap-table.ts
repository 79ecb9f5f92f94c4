import type { RelationKind } from '../engine/adapter.js';
import type { Dialect } from '../engine/dialect.js';
import { qualified, quoteIdent } from '../util/sql.js';
import type { Statement } from './statement.js';

/**
 * Build `schema.name` from `select` into a new table and swap it in for what has the name now
 * (`existing`: a table, a view, or nothing). Inside a transaction, readers never see an empty
 * or half-built table.
 */
export function buildAndSwapStatements(
  dialect: Dialect,
  schema: string,
  name: string,
  select: string,
  existing: RelationKind | undefined,
): Statement[] {
  const fresh = qualified(schema, `${name}__etl_new`);
  return [
    { purpose: 'schema', sql: `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}` },
    { purpose: 'drop', sql: `DROP TABLE IF EXISTS ${fresh}` },
    { purpose: 'create', sql: `CREATE TABLE ${fresh} AS\n${select}` },
    ...replaceStatements(dialect, schema, name, `${name}__etl_new`, existing),
  ];
}

/**
 * Drop `schema.name` (`existing`: a table, a view, or nothing) and rename `from` to it; where
 * views are bound to what they read, the views that read it are created again on the new one.
 */
export function replaceStatements(
  dialect: Dialect,
  schema: string,
  name: string,
  from: string,
  existing: RelationKind | undefined,
): Statement[] {
  return [
    ...(existing === undefined
      ? []
      : [
          {
            purpose: 'drop' as const,
            sql: dialect.dropRelation(
              existing === 'view' ? 'VIEW' : 'TABLE',
              qualified(schema, name),
            ),
          },
        ]),
    {
      purpose: 'swap',
      sql: `ALTER TABLE ${qualified(schema, from)} RENAME TO ${quoteIdent(name)}`,
    },
    ...restoreStatements(dialect, existing),
  ];
}

/** After a relation that had readers was replaced: create its readers again, if the engine must. */
export function restoreStatements(
  dialect: Dialect,
  existing: RelationKind | undefined,
): Statement[] {
  return existing === undefined || dialect.restoreDependents === undefined
    ? []
    : [{ purpose: 'swap', sql: dialect.restoreDependents }];
}
