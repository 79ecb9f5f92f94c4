import { describe, expect, it } from 'vitest';
import { Graph } from '../../core/compile/graph.js';
import { CycleError } from '../../core/errors.js';

const graph = (edges: Record<string, string[]>): Graph => new Graph(new Map(Object.entries(edges)));

describe('Graph', () => {
  it('orders upstream first, ties by name', () => {
    const g = graph({ c: ['a', 'b'], b: ['a'], a: [], d: [], e: ['d', 'c'] });
    expect(g.order).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('walks ancestors and descendants', () => {
    const g = graph({ a: [], b: ['a'], c: ['b'], d: ['a'], e: [] });
    expect([...g.ancestors(['c'])].sort()).toEqual(['a', 'b']);
    expect([...g.descendants(['a'])].sort()).toEqual(['b', 'c', 'd']);
    expect([...g.descendants(['e'])]).toEqual([]);
  });

  it('reports a cycle with its path, in data-flow order', () => {
    let error: unknown;
    try {
      graph({ a: [], b: ['a', 'd'], c: ['b'], d: ['c'] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CycleError);
    const path = (error as CycleError).path;
    expect(path[0]).toBe(path[path.length - 1]);
    expect(new Set(path)).toEqual(new Set(['b', 'c', 'd']));
    expect((error as CycleError).message).toMatch(
      /dependency cycle: (b -> c -> d -> b|c -> d -> b -> c|d -> b -> c -> d)/,
    );
  });

  it('reports a self-loop', () => {
    expect(() => graph({ a: ['a'] })).toThrow('dependency cycle: a -> a');
  });

  it('orders a wide layered graph in linear-ish time', () => {
    const edges: Record<string, string[]> = {};
    for (let i = 0; i < 5000; i++) edges[`m${i}`] = i === 0 ? [] : [`m${Math.floor(i / 2)}`];
    const g = graph(edges);
    expect(g.order).toHaveLength(5000);
    const pos = new Map(g.order.map((n, i) => [n, i]));
    for (const [n, deps] of Object.entries(edges))
      for (const d of deps) expect(pos.get(d)!).toBeLessThan(pos.get(n)!);
  });
});
