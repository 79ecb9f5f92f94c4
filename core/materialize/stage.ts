import type { Column } from '../engine/adapter.js';
import type { CompiledModel } from '../compile/compiled-graph.js';
import { quoteIdent } from '../util/sql.js';
import { sha256 } from '../util/hash.js';

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

/**
 * The SELECT list a content hash reads: the columns in name order, so that the hash does not
 * depend on their order.
 */
export function hashedColumns(columns: readonly Column[]): string {
  return columnList([...columns].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
}

/**
 * A content hash: an order-independent hash of rows by column name. The sum of the hashes of
 * the rows (as the dialect's `rowHashSum` returns it) plus a hash of the column names,
 * modulo 2^64, as hex: equal rows under other names (a renamed column) hash differently.
 */
export function contentHash(rowSum: unknown, columns: readonly Column[]): string {
  return formatContentHash(toBigInt(rowSum) + contentSalt(columns));
}

/** The part of a content hash that comes from the column names. */
export function contentSalt(columns: readonly Column[]): bigint {
  const names = columns.map((c) => c.name).sort();
  const key = names.join('\u0000');
  let salt = saltOf.get(key);
  if (salt === undefined) {
    salt = BigInt(`0x${sha256(...names).slice(0, 16)}`);
    saltOf.set(key, salt);
  }
  return salt;
}

const saltOf = new Map<string, bigint>();

/** The content hash of wave 1 and of ledger rows from before data versions: no names. */
export function formatContentHash(value: unknown): string {
  return BigInt.asUintN(64, toBigInt(value)).toString(16).padStart(16, '0');
}

function toBigInt(value: unknown): bigint {
  return typeof value === 'bigint' ? value : BigInt(String(value ?? 0));
}
