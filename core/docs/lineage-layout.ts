import dagre from '@dagrejs/dagre';

/** A node of the lineage graph to lay out. */
export interface LineageNode {
  readonly id: string;
  readonly label: string;
}

/** A node placed: its box's centre and size. */
export interface PlacedNode extends LineageNode {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** An edge routed: the points of its line, from the upstream node to the downstream one. */
export interface RoutedEdge {
  readonly from: string;
  readonly to: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

/** The lineage laid out, left (upstream) to right (downstream). */
export interface LineageLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly RoutedEdge[];
}

/** The part of dagre used here (its bundled types do not resolve under NodeNext). */
interface DagreGraph {
  setGraph(label: Record<string, unknown>): void;
  setDefaultEdgeLabel(label: () => object): void;
  setNode(id: string, label: { width: number; height: number }): void;
  setEdge(from: string, to: string): void;
  graph(): { width?: number; height?: number };
  node(id: string): { x: number; y: number; width: number; height: number };
  edges(): { v: string; w: string }[];
  edge(e: { v: string; w: string }): { points?: { x: number; y: number }[] };
}
interface Dagre {
  graphlib: { Graph: new () => DagreGraph };
  layout(g: DagreGraph): void;
}
const layoutLib = dagre as unknown as Dagre;

const NODE_HEIGHT = 30;
/** Width of a character of the labels' font (px), to size a node to its name. */
const CHAR_WIDTH = 7.2;

/**
 * Lay out the lineage with dagre, at build time (the site then draws a finished SVG). Its
 * `tight-tree` ranker: the default (network simplex) took 41 s on a 1,000-model graph here,
 * tight-tree 3 s; elkjs' layered 3.8 s (and is EPL/GPL where dagre is MIT).
 */
export function layoutLineage(
  nodes: readonly LineageNode[],
  edges: readonly { readonly from: string; readonly to: string }[],
): LineageLayout {
  const g = new layoutLib.graphlib.Graph();
  g.setGraph({
    rankdir: 'LR',
    ranker: 'tight-tree',
    nodesep: 10,
    ranksep: 60,
    marginx: 10,
    marginy: 10,
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes)
    g.setNode(n.id, {
      // Room for a state mark (a tilde or a cross, and a space) before the name.
      width: Math.max(80, Math.round((n.label.length + 2) * CHAR_WIDTH + 24)),
      height: NODE_HEIGHT,
    });
  const known = new Set(nodes.map((n) => n.id));
  for (const e of edges) if (known.has(e.from) && known.has(e.to)) g.setEdge(e.from, e.to);
  layoutLib.layout(g);
  const graph = g.graph();
  return {
    width: Math.ceil(graph.width ?? 0),
    height: Math.ceil(graph.height ?? 0),
    nodes: nodes.map((n) => {
      const placed = g.node(n.id);
      return { ...n, x: placed.x, y: placed.y, width: placed.width, height: placed.height };
    }),
    edges: g.edges().map((e) => ({
      from: e.v,
      to: e.w,
      points: (g.edge(e).points ?? []).map((p) => ({ x: p.x, y: p.y })),
    })),
  };
}
