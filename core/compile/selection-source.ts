import { UsageError } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import type { CompiledGraph } from './compiled-graph.js';
import { nameMatcher } from './selection-path.js';

/**
 * `source:GROUP.NAME`, `source:GROUP` or `source:GROUP.*` (globs allowed in either half): the
 * models that read a matching source directly. A source nobody reads selects nothing; one
 * neither declared nor read is a typo, with the nearest known source suggested.
 */
export function sourceReaders(compiled: CompiledGraph, value: string, flag: string): Set<string> {
  const dot = value.indexOf('.');
  const matchGroup = nameMatcher(dot < 0 ? value : value.slice(0, dot));
  const matchName = nameMatcher(dot < 0 ? '*' : value.slice(dot + 1));
  const matches = (source: string): boolean => {
    const at = source.indexOf('.');
    return matchGroup(source.slice(0, at)) && matchName(source.slice(at + 1));
  };
  const known = knownSources(compiled);
  if (![...known].some(matches)) {
    const groups = new Set([...known].map((s) => s.slice(0, s.indexOf('.'))));
    throw new UsageError(
      `unknown source '${value}' in ${flag}${didYouMean(value, [...known, ...groups])}`,
      flag,
    );
  }
  const readers = new Set<string>();
  for (const node of compiled.nodes.values())
    if (node.kind === 'model' && node.sources.some(matches)) readers.add(node.name);
  return readers;
}

/** Sources declared in the project file, and those the models read, as `group.name`. */
function knownSources(compiled: CompiledGraph): Set<string> {
  const known = new Set<string>();
  for (const [group, tables] of Object.entries(compiled.project.config.sources))
    for (const name of Object.keys(tables)) known.add(`${group}.${name}`);
  for (const node of compiled.nodes.values())
    if (node.kind === 'model') for (const s of node.sources) known.add(s);
  return known;
}
