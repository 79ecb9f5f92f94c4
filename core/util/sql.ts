/** A double-quoted SQL identifier; embedded quotes are doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A single-quoted SQL string literal; embedded quotes are doubled (standard strings, no escapes). */
export function quoteString(value: string): string {
  if (value.includes('\0')) throw new Error('a SQL string cannot contain a NUL character');
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Any JSON-like value as a SQL literal: strings quoted, numbers as they are, booleans, NULL;
 * arrays and objects as their JSON text in a string literal.
 */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot render ${value} as a SQL literal`);
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date)
    return `TIMESTAMP ${quoteString(value.toISOString().slice(0, 19).replace('T', ' '))}`;
  return quoteString(JSON.stringify(value));
}

/** `"schema"."name"`. */
export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * A query wrapped as a subquery. The newlines keep a trailing `-- comment` of the query from
 * swallowing the closing parenthesis.
 */
export function subquery(sql: string): string {
  return `(\n${sql}\n)`;
}
