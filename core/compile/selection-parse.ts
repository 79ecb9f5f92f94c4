import { UsageError } from '../errors.js';

/** How a selector part picks its starting nodes: dbt's selector methods, as etl has them. */
export type SelectorMethod = 'name' | 'path' | 'tag' | 'config' | 'source' | 'state';

/** The methods a user can write before a colon, for the messages that list them. */
export const METHOD_NAMES = ['tag:', 'path:', 'config.KEY:', 'source:', 'state:'] as const;

/**
 * One comma-separated part of a selector: a method, its value and the graph operators around
 * it. A depth is a number of edges; `Infinity` is the bare `+` (no limit).
 */
export interface SelectorPart {
  /** The part as written, for messages. */
  readonly text: string;
  readonly method: SelectorMethod;
  /** The key of `config.KEY:value`. */
  readonly key?: string;
  readonly value: string;
  /** `N+m` / `+m`: ancestors up to this depth; undefined without a leading `+`. */
  readonly parents: number | undefined;
  /** `m+N` / `m+`: descendants down to this depth; undefined without a trailing `+`. */
  readonly children: number | undefined;
  /** `@m`: m, its descendants and every ancestor of those. */
  readonly childrensParents: boolean;
}

/** A whitespace-separated term: its comma-joined parts, all of which a node must match. */
export type SelectorTerm = readonly SelectorPart[];

/**
 * Parse `-s`/`--exclude` values with dbt's set operators: every value is split on whitespace
 * into terms (a union), and every term on commas into parts (an intersection).
 */
export function parseSelection(values: readonly string[], flag: string): SelectorTerm[] {
  return values
    .flatMap((v) => v.split(/\s+/))
    .filter((t) => t !== '')
    .map((term) => term.split(',').map((part) => parsePart(part, term, flag)));
}

// dbt's own pattern (core/dbt/graph/selector_spec.py): `@`, `N+`, `method:`, value, `+N`.
const PART = /^(@)?(?:(\d*)\+)?(?:([\w.]+):)?(.*?)(?:\+(\d*))?$/;

function parsePart(text: string, term: string, flag: string): SelectorPart {
  const m = PART.exec(text);
  const value = m?.[4] ?? '';
  if (m === null || value === '')
    throw new UsageError(
      `empty selector in '${term}' (${flag})`,
      flag,
      'a selector is a name, or method:value (tag:, path:, config.KEY:, source:, state:), with optional + or @ around it',
    );
  const [, at, parents, methodText, , children] = m;
  if (at !== undefined && parents !== undefined)
    throw new UsageError(
      `'${text}' (${flag}): '@' and a leading '+' cannot be combined`,
      flag,
      `'@' already selects every ancestor of the descendants: write '@${value}'`,
    );
  return {
    text,
    ...method(methodText, value, text, flag),
    value,
    parents: depth(parents),
    children: depth(children),
    childrensParents: at !== undefined,
  };
}

/** `''` is a bare `+` (every generation); digits limit it. */
function depth(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  return text === '' ? Infinity : Number(text);
}

function method(
  written: string | undefined,
  value: string,
  text: string,
  flag: string,
): { method: SelectorMethod; key?: string } {
  if (written === undefined)
    // As in dbt, a bare value that looks like a file or a folder is a path.
    return { method: value.includes('/') || /\.(sql|csv)$/.test(value) ? 'path' : 'name' };
  if (written === 'tag' || written === 'path' || written === 'source' || written === 'state')
    return { method: written };
  if (written.startsWith('config.') && written.length > 'config.'.length)
    return { method: 'config', key: written.slice('config.'.length) };
  throw new UsageError(
    `unknown selector method '${written}:' in '${text}' (${flag})`,
    flag,
    `supported: a model or seed name, ${METHOD_NAMES.join(', ')}`,
  );
}
