import type { Column } from '../engine/adapter.js';
import type { CompiledModel } from '../compile/compiled-graph.js';
import { quoteIdent } from '../util/sql.js';

/** The temp table a step's query is staged into before anything is deleted. */
export function stageName(model: CompiledModel): string {
  return quoteIdent(`etl_stage__${model.name}`);
}

/** How a query's columns differ from its table's. */
export interface ColumnChange {
  readonly added: readonly Column[];
  readonly removed: readonly string[];
  readonly retyped: readonly string[];
}

/** How `next` differs from `current`, or undefined when they match (names case-insensitive). */
export function columnChange(
  current: readonly Column[],
  next: readonly Column[],
): ColumnChange | undefined {
  const before = new Map(current.map((c) => [c.name.toLowerCase(), c]));
  const after = new Map(next.map((c) => [c.name.toLowerCase(), c]));
  const added = next.filter((c) => !before.has(c.name.toLowerCase()));
  const removed = current.filter((c) => !after.has(c.name.toLowerCase())).map((c) => c.name);
  const retyped: string[] = [];
  for (const c of next) {
    const old = before.get(c.name.toLowerCase());
    if (old && old.type !== c.type) retyped.push(`${c.name} changed type ${old.type} -> ${c.type}`);
  }
  return added.length + removed.length + retyped.length === 0
    ? undefined
    : { added, removed, retyped };
}

/** A short description of how `next` differs from `current`, or undefined when compatible. */
export function describeColumnChange(
  current: readonly Column[],
  next: readonly Column[],
): string | undefined {
  const change = columnChange(current, next);
  if (change === undefined) return undefined;
  const parts: string[] = [];
  if (change.added.length > 0) parts.push(`added ${change.added.map((c) => c.name).join(', ')}`);
  if (change.removed.length > 0) parts.push(`removed ${change.removed.join(', ')}`);
  parts.push(...change.retyped);
  return parts.join('; ');
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
