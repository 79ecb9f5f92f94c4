import type { Graph } from './graph.js';
import type { SelectorPart } from './selection-parse.js';

/** What a selector method found: nodes, and for `source:` the models that read the sources. */
export interface MethodMatch {
  readonly nodes: ReadonlySet<string>;
  /**
   * Direct readers of the sources a `source:` part matched. Sources are not graph nodes, so
   * they stand one edge above their readers: `source:x+1` is the readers alone.
   */
  readonly readers?: ReadonlySet<string>;
}

/**
 * The nodes within `depth` edges of `start` (not `start` itself unless reached), walking to
 * parents (`up`) or children (`down`), breadth first so that each node gets its shortest
 * distance. `Infinity` walks the whole way.
 */
export function withinDepth(
  graph: Graph,
  start: Iterable<string>,
  direction: 'up' | 'down',
  depth: number,
): Set<string> {
  const next = (n: string): readonly string[] =>
    direction === 'up' ? graph.parents(n) : graph.children(n);
  const reached = new Set<string>();
  let frontier = [...start];
  for (let level = 0; level < depth && frontier.length > 0; level++) {
    const following: string[] = [];
    for (const node of frontier)
      for (const n of next(node)) {
        if (reached.has(n)) continue;
        reached.add(n);
        following.push(n);
      }
    frontier = following;
  }
  return reached;
}

/** A part's nodes with its graph operators applied: `N+`, `+N` and `@` (dbt's semantics). */
export function applyOperators(
  graph: Graph,
  match: MethodMatch,
  part: Pick<SelectorPart, 'parents' | 'children' | 'childrensParents'>,
): Set<string> {
  const result = new Set(match.nodes);
  const readers = match.readers ?? new Set<string>();
  if (part.parents !== undefined)
    for (const n of withinDepth(graph, match.nodes, 'up', part.parents)) result.add(n);
  if (part.children !== undefined) {
    for (const n of withinDepth(graph, match.nodes, 'down', part.children)) result.add(n);
    if (part.children >= 1) {
      for (const n of readers) result.add(n);
      for (const n of withinDepth(graph, readers, 'down', part.children - 1)) result.add(n);
    }
  }
  if (part.childrensParents) {
    // dbt's select_childrens_parents: the descendants (with the start), then all their ancestors.
    const down = new Set([...match.nodes, ...readers]);
    for (const n of graph.descendants(down)) down.add(n);
    for (const n of down) result.add(n);
    for (const n of graph.ancestors(down)) result.add(n);
  }
  return result;
}
