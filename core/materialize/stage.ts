import { WindowError } from '../errors.js';
import type { Column, Connection } from '../engine/adapter.js';
import type { CompiledModel } from '../compile/compiled-graph.js';
import { quoteIdent } from '../util/sql.js';

/** The temp table a step's query is staged into before anything is deleted. */
export function stageName(model: CompiledModel): string {
  return quoteIdent(`etl_stage__${model.name}`);
}

/**
 * Make sure the model's table can take the staged rows: create it (empty, with the staged
 * columns) when missing; refuse a view in its place or changed columns, suggesting
 * `--full-refresh`. Returns the columns to insert.
 */
export async function prepareTarget(
  conn: Connection,
  model: CompiledModel,
  stage: string,
  context: { window: string; fullRefresh: boolean },
): Promise<Column[]> {
  const staged = await conn.columns(stage);
  const kind = await conn.relationKind(model.schema, model.name);
  if (kind === 'view' && !context.fullRefresh)
    throw new WindowError(
      'E_NOT_A_TABLE',
      `model '${model.name}' is incremental but ${model.relation} is a view`,
      {
        model: model.name,
        window: context.window,
        hint: 'rerun with --full-refresh to replace it',
      },
    );
  if (kind === undefined || context.fullRefresh) {
    if (kind !== undefined)
      await conn.run(`DROP ${kind === 'view' ? 'VIEW' : 'TABLE'} ${model.relation}`);
    await conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(model.schema)}`);
    await conn.run(`CREATE TABLE ${model.relation} AS SELECT * FROM ${stage} WITH NO DATA`);
    return staged;
  }
  const existing = await conn.columns(model.relation);
  const diff = describeColumnChange(existing, staged);
  if (diff !== undefined)
    throw new WindowError(
      'E_SCHEMA_CHANGE',
      `model '${model.name}' window ${context.window}: the query's columns no longer match ${model.relation}: ${diff}`,
      {
        model: model.name,
        window: context.window,
        hint: `rerun with --full-refresh to rebuild ${model.name} with the new columns`,
      },
    );
  return staged;
}

/** A short description of how `next` differs from `current`, or undefined when compatible. */
export function describeColumnChange(
  current: readonly Column[],
  next: readonly Column[],
): string | undefined {
  const before = new Map(current.map((c) => [c.name.toLowerCase(), c]));
  const after = new Map(next.map((c) => [c.name.toLowerCase(), c]));
  const parts: string[] = [];
  const added = next.filter((c) => !before.has(c.name.toLowerCase())).map((c) => c.name);
  const removed = current.filter((c) => !after.has(c.name.toLowerCase())).map((c) => c.name);
  if (added.length > 0) parts.push(`added ${added.join(', ')}`);
  if (removed.length > 0) parts.push(`removed ${removed.join(', ')}`);
  for (const c of next) {
    const old = before.get(c.name.toLowerCase());
    if (old && old.type !== c.type) parts.push(`${c.name} changed type ${old.type} -> ${c.type}`);
  }
  return parts.length === 0 ? undefined : parts.join('; ');
}

/** `"a", "b"` */
export function columnList(columns: readonly Column[]): string {
  return columns.map((c) => quoteIdent(c.name)).join(', ');
}

/** An order-independent hash of a relation's rows: the sum of row hashes (modulo 2^64, as hex). */
export function contentHashExpression(alias: string): string {
  // The sum is taken modulo 2^64 in formatContentHash: cheaper than in SQL.
  return `sum(hash(${alias}))`;
}

/** Hex text of a content hash value returned by the engine. */
export function formatContentHash(value: unknown): string {
  const n = typeof value === 'bigint' ? value : BigInt(String(value ?? 0));
  return BigInt.asUintN(64, n).toString(16).padStart(16, '0');
}
