import { UsageError } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import type { CompiledGraph } from './compiled-graph.js';
import { selectByConfig } from './selection-config.js';
import { applyOperators, type MethodMatch } from './selection-graph.js';
import { parseSelection, type SelectorPart, type SelectorTerm } from './selection-parse.js';
import { isGlob, nameMatcher, selectByPath } from './selection-path.js';
import { sourceReaders } from './selection-source.js';
import { selectByState, type SelectionContext } from './selection-state.js';

export type { SelectionContext } from './selection-state.js';

/**
 * Resolve `-s/--select` and `--exclude` into node names, with dbt's grammar: values split on
 * whitespace are a union, comma-joined parts an intersection. A part is a method and a value
 * — a model or seed name (or a glob of names), `tag:x`, `path:dir|file|glob`,
 * `config.KEY:value`, `source:group.name`, `state:modified|new` — with graph operators:
 * `+m` / `N+m` (ancestors, to depth N), `m+` / `m+N` (descendants), `@m` (m, its descendants
 * and all their ancestors). The result is the selection less the exclusion; no selector
 * selects everything. `state:` needs `context` (what the warehouse built).
 */
export function selectNodes(
  compiled: CompiledGraph,
  select: readonly string[] = [],
  exclude: readonly string[] = [],
  context?: SelectionContext,
): Set<string> {
  const selected = parseSelection(select, '--select');
  const excluded = parseSelection(exclude, '--exclude');
  const chosen =
    selected.length === 0
      ? new Set(compiled.nodes.keys())
      : resolveTerms(compiled, selected, context, '--select');
  for (const name of resolveTerms(compiled, excluded, context, '--exclude')) chosen.delete(name);
  return chosen;
}

/**
 * Check a selection the way {@link selectNodes} does, without a warehouse, so that bad input
 * is reported before one is opened; true when it has `state:` parts, which need one.
 */
export function checkSelection(
  compiled: CompiledGraph,
  select: readonly string[] = [],
  exclude: readonly string[] = [],
): boolean {
  const terms = [...parseSelection(select, '--select'), ...parseSelection(exclude, '--exclude')];
  const needsState = terms.some((t) => t.some((p) => p.method === 'state'));
  selectNodes(compiled, select, exclude, needsState ? { builtFingerprints: new Map() } : undefined);
  return needsState;
}

function resolveTerms(
  compiled: CompiledGraph,
  terms: readonly SelectorTerm[],
  context: SelectionContext | undefined,
  flag: string,
): Set<string> {
  const all = new Set<string>();
  for (const term of terms) {
    const [first, ...rest] = term.map((part) => resolvePart(compiled, part, context, flag));
    const both = new Set([...(first ?? [])].filter((n) => rest.every((r) => r.has(n))));
    for (const n of both) all.add(n);
  }
  return all;
}

function resolvePart(
  compiled: CompiledGraph,
  part: SelectorPart,
  context: SelectionContext | undefined,
  flag: string,
): Set<string> {
  return applyOperators(compiled.graph, match(compiled, part, context, flag), part);
}

function match(
  compiled: CompiledGraph,
  part: SelectorPart,
  context: SelectionContext | undefined,
  flag: string,
): MethodMatch {
  switch (part.method) {
    case 'name':
      return { nodes: selectByName(compiled, part.value, flag) };
    case 'tag':
      return { nodes: selectByTag(compiled, part.value, flag) };
    case 'path':
      return { nodes: selectByPath(compiled, part.value, flag) };
    case 'config':
      return { nodes: selectByConfig(compiled, part.key ?? '', part.value, flag) };
    case 'state':
      return { nodes: selectByState(compiled, part.value, context, flag) };
    case 'source': {
      const readers = sourceReaders(compiled, part.value, flag);
      if (!part.childrensParents && (part.children ?? 0) < 1)
        throw new UsageError(
          `'${part.text}' selects only the source itself, which etl does not build (${flag})`,
          flag,
          `'source:${part.value}+' selects the models that read it and everything downstream; 'source:${part.value}+1' only the models that read it`,
        );
      return { nodes: new Set(), readers };
    }
  }
}

function selectByName(compiled: CompiledGraph, name: string, flag: string): Set<string> {
  const { nodes } = compiled;
  if (isGlob(name)) {
    const matches = nameMatcher(name);
    const found = new Set([...nodes.keys()].filter(matches));
    if (found.size === 0) throw new UsageError(`no model or seed matches '${name}'`, flag);
    return found;
  }
  if (!nodes.has(name))
    throw new UsageError(
      `unknown model or seed '${name}' in ${flag}${didYouMean(name, nodes.keys())}`,
      flag,
    );
  return new Set([name]);
}

function selectByTag(compiled: CompiledGraph, tag: string, flag: string): Set<string> {
  const models = [...compiled.nodes.values()].flatMap((n) => (n.kind === 'model' ? [n] : []));
  const found = new Set(models.filter((m) => m.config.tags.includes(tag)).map((m) => m.name));
  if (found.size === 0) {
    const tags = new Set(models.flatMap((m) => m.config.tags));
    throw new UsageError(`no model has tag '${tag}'${didYouMean(tag, tags)}`, flag);
  }
  return found;
}
