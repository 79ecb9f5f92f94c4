import { CycleError } from '../errors.js';

/** A dependency graph: each node's direct upstream nodes. */
export class Graph {
  private readonly up: ReadonlyMap<string, readonly string[]>;
  private readonly down: Map<string, string[]>;
  /** Nodes in dependency order (upstream first); ties broken by name. */
  readonly order: readonly string[];

  /** Build the graph; a cycle throws a CycleError with the cycle's path. */
  constructor(upstream: ReadonlyMap<string, readonly string[]>) {
    this.up = upstream;
    this.down = new Map([...upstream.keys()].map((n) => [n, []]));
    for (const [node, deps] of upstream) for (const dep of deps) this.down.get(dep)?.push(node);
    this.order = topologicalOrder(upstream, this.down);
  }

  get nodes(): IterableIterator<string> {
    return this.up.keys();
  }

  has(node: string): boolean {
    return this.up.has(node);
  }

  /** Direct upstream nodes. */
  parents(node: string): readonly string[] {
    return this.up.get(node) ?? [];
  }

  /** Direct downstream nodes. */
  children(node: string): readonly string[] {
    return this.down.get(node) ?? [];
  }

  /** Every node upstream of the given ones (not including them). */
  ancestors(nodes: Iterable<string>): Set<string> {
    return this.walk(nodes, (n) => this.parents(n));
  }

  /** Every node downstream of the given ones (not including them). */
  descendants(nodes: Iterable<string>): Set<string> {
    return this.walk(nodes, (n) => this.children(n));
  }

  private walk(start: Iterable<string>, next: (n: string) => readonly string[]): Set<string> {
    const seen = new Set<string>();
    const stack = [...start].flatMap((n) => [...next(n)]);
    while (stack.length > 0) {
      const node = stack.pop() as string;
      if (seen.has(node)) continue;
      seen.add(node);
      stack.push(...next(node));
    }
    return seen;
  }
}

function topologicalOrder(
  up: ReadonlyMap<string, readonly string[]>,
  down: ReadonlyMap<string, readonly string[]>,
): string[] {
  const pending = new Map<string, number>();
  for (const [node, deps] of up) pending.set(node, new Set(deps.filter((d) => up.has(d))).size);
  const ready = [...pending]
    .filter(([, n]) => n === 0)
    .map(([node]) => node)
    .sort();
  const order: string[] = [];
  // A sorted ready list keeps the order stable from run to run.
  while (ready.length > 0) {
    const node = ready.shift() as string;
    order.push(node);
    const released: string[] = [];
    for (const child of new Set(down.get(node) ?? [])) {
      const left = (pending.get(child) ?? 0) - 1;
      pending.set(child, left);
      if (left === 0) released.push(child);
    }
    if (released.length > 0) insertSorted(ready, released);
  }
  if (order.length < up.size) throw new CycleError(findCycle(up, new Set(order)));
  return order;
}

function insertSorted(list: string[], items: string[]): void {
  list.push(...items);
  list.sort();
}

/** A cycle among the nodes not yet ordered, as a path that ends where it starts. */
function findCycle(up: ReadonlyMap<string, readonly string[]>, done: Set<string>): string[] {
  const state = new Map<string, 'open' | 'closed'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    path.push(node);
    for (const dep of [...(up.get(node) ?? [])].sort()) {
      if (done.has(dep) || !up.has(dep)) continue;
      if (state.get(dep) === 'open') {
        const cycle = path.slice(path.indexOf(dep));
        // Report in the direction data flows: upstream -> downstream.
        return [...cycle, dep].reverse();
      }
      if (state.get(dep) === undefined) {
        const found = visit(dep);
        if (found) return found;
      }
    }
    path.pop();
    state.set(node, 'closed');
    return undefined;
  };
  for (const node of [...up.keys()].sort()) {
    if (done.has(node) || state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return [];
}
