import { UsageError } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import type { CompiledGraph } from './compiled-graph.js';

/**
 * Resolve `-s/--select` and `--exclude` into node names. Selectors: `name`, `name+` (and
 * downstream), `+name` (and upstream), `+name+`, `tag:x`, `path:models/marts`; several,
 * space or comma separated, are a union. No selector selects everything.
 */
export function selectNodes(
  compiled: CompiledGraph,
  select: readonly string[] = [],
  exclude: readonly string[] = [],
): Set<string> {
  const selectors = tokens(select);
  const chosen =
    selectors.length === 0
      ? new Set(compiled.nodes.keys())
      : union(selectors.map((s) => resolveSelector(compiled, s, '--select')));
  for (const name of union(tokens(exclude).map((s) => resolveSelector(compiled, s, '--exclude'))))
    chosen.delete(name);
  return chosen;
}

function tokens(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(/[\s,]+/)).filter((t) => t !== '');
}

function union(sets: Set<string>[]): Set<string> {
  const all = new Set<string>();
  for (const s of sets) for (const n of s) all.add(n);
  return all;
}

function resolveSelector(compiled: CompiledGraph, selector: string, flag: string): Set<string> {
  const { nodes, graph } = compiled;
  if (selector.startsWith('tag:')) {
    const tag = selector.slice(4);
    const found = [...nodes.values()].filter(
      (n) => n.kind === 'model' && n.config.tags.includes(tag),
    );
    if (found.length === 0) {
      const tags = new Set(
        [...nodes.values()].flatMap((n) => (n.kind === 'model' ? n.config.tags : [])),
      );
      throw new UsageError(`no model has tag '${tag}'${didYouMean(tag, tags)}`, flag);
    }
    return new Set(found.map((n) => n.name));
  }
  if (selector.startsWith('path:')) {
    const prefix = selector.slice(5).replace(/^\.\//, '').replace(/\/+$/, '');
    const found = [...nodes.values()].filter(
      (n) => n.file === prefix || n.file.startsWith(`${prefix}/`),
    );
    if (found.length === 0) throw new UsageError(`no model or seed under path '${prefix}'`, flag);
    return new Set(found.map((n) => n.name));
  }
  const up = selector.startsWith('+');
  const down = selector.endsWith('+');
  const name = selector.slice(up ? 1 : 0, down ? -1 : undefined);
  if (!graph.has(name))
    throw new UsageError(
      `unknown model or seed '${name}' in ${flag}${didYouMean(name, nodes.keys())}`,
      flag,
    );
  const result = new Set([name]);
  if (up) for (const n of graph.ancestors([name])) result.add(n);
  if (down) for (const n of graph.descendants([name])) result.add(n);
  return result;
}
