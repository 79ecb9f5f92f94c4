import { openProject } from '../../core/api/open-project.js';
import type { CompiledGraph } from '../../core/compile/compiled-graph.js';
import { selectNodes } from '../../core/compile/selection.js';
import { projectOptions, type GlobalFlags } from '../global-options.js';

interface DagFlags extends GlobalFlags {
  format?: 'text' | 'mermaid' | 'dot' | 'json';
  select?: string[];
  exclude?: string[];
}

/** `etl dag [-s SEL] [--exclude SEL] [--format text|mermaid|dot|json]` */
export function dagCommand(flags: DagFlags): Promise<number> {
  const { compiled } = openProject(projectOptions(flags));
  const format = flags.json ? 'json' : (flags.format ?? 'text');
  const shown =
    flags.select === undefined && flags.exclude === undefined
      ? undefined
      : selectNodes(compiled, flags.select, flags.exclude);
  process.stdout.write(renderDag(compiled, format, shown));
  return Promise.resolve(0);
}

/**
 * The graph in one of the supported formats, nodes in dependency order. With `shown`, only
 * those nodes, and only the edges between them.
 */
export function renderDag(
  compiled: CompiledGraph,
  format: 'text' | 'mermaid' | 'dot' | 'json',
  shown?: ReadonlySet<string>,
): string {
  const { nodes } = compiled;
  const keep = (name: string): boolean => shown === undefined || shown.has(name);
  const models = compiled.graph.order.filter(keep);
  const readsOf = (name: string): readonly string[] => {
    const node = nodes.get(name);
    return node?.kind === 'model' ? node.sources : [];
  };
  // Sources come first: every declared one, or those a shown model reads.
  const read = new Set(models.flatMap(readsOf));
  const sources = [...compiled.sources.keys()].filter((s) => shown === undefined || read.has(s));
  const graph = {
    order: [...sources, ...models],
    parents: (name: string): readonly string[] => [
      ...(compiled.graph.has(name) ? compiled.graph.parents(name).filter(keep) : []),
      ...readsOf(name),
    ],
  };
  const kindOf = (name: string): string => {
    const node = nodes.get(name);
    return node === undefined
      ? 'source'
      : node.kind === 'model'
        ? node.config.materialized
        : 'seed';
  };
  // Mermaid ids cannot hold a dot: a source's id replaces it.
  const id = (name: string): string => name.replace(/\./g, '__');
  switch (format) {
    case 'json':
      return `${JSON.stringify({
        schema_version: 1,
        nodes: graph.order.map((name) => ({
          name,
          kind: kindOf(name),
          file: nodes.get(name)?.file ?? compiled.sources.get(name)?.at.file,
          depends_on: graph.parents(name),
        })),
      })}\n`;
    case 'mermaid': {
      const lines = ['graph LR'];
      for (const name of graph.order) {
        lines.push(`  ${id(name)}["${name}<br/><small>${kindOf(name)}</small>"]`);
        for (const parent of graph.parents(name)) lines.push(`  ${id(parent)} --> ${id(name)}`);
      }
      return `${lines.join('\n')}\n`;
    }
    case 'dot': {
      const lines = ['digraph etl {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
      for (const name of graph.order) {
        lines.push(`  "${name}" [label="${name}\\n${kindOf(name)}"];`);
        for (const parent of graph.parents(name)) lines.push(`  "${parent}" -> "${name}";`);
      }
      lines.push('}');
      return `${lines.join('\n')}\n`;
    }
    case 'text': {
      const width = Math.max(...graph.order.map((n) => n.length), 4);
      return graph.order
        .map((name) => {
          const parents = graph.parents(name);
          return `${name.padEnd(width)}  ${kindOf(name).padEnd(11)}  ${parents.length > 0 ? `<- ${parents.join(', ')}` : ''}`.trimEnd();
        })
        .join('\n')
        .concat('\n');
    }
  }
}
