import type { ConfigLayer } from './project.js';

/** Config levels merged: the values, and for each key the level that set it last. */
export interface MergedConfig {
  readonly values: Record<string, unknown>;
  readonly origins: ReadonlyMap<string, string>;
}

/**
 * Merge config levels in the order they apply, dbt's way: a later level's value wins, except
 * `tags`, which add up (a folder's tags stay when a model adds its own).
 */
export function mergeConfig(layers: readonly ConfigLayer[]): MergedConfig {
  const values: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer.values)) {
      const before = values[key];
      values[key] = key === 'tags' ? addTags(before, value) : value;
      origins.set(key, layer.origin);
    }
  }
  return { values, origins };
}

/** Tags of two levels, in order, each once; a value that is no tag list is kept to be reported. */
function addTags(before: unknown, value: unknown): unknown {
  const list = (v: unknown): string[] | undefined =>
    typeof v === 'string'
      ? [v]
      : Array.isArray(v) && v.every((t) => typeof t === 'string')
        ? v
        : undefined;
  const [a, b] = [list(before) ?? [], list(value)];
  if (b === undefined) return value;
  return [...new Set([...a, ...b])];
}
