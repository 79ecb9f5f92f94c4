import picomatch from 'picomatch';
import { UsageError } from '../errors.js';
import type { CompiledGraph } from './compiled-graph.js';

/**
 * `path:` — the nodes whose file is the path, or lies under it. A glob (`models/**\/stg_*.sql`,
 * `models/staging/*`) matches the file or any folder above it, as dbt's does: it globs the
 * project, then takes the files matched and everything under the folders matched.
 */
export function selectByPath(compiled: CompiledGraph, written: string, flag: string): Set<string> {
  const pattern = written.replace(/^\.\//, '').replace(/\/+$/, '');
  const glob = picomatch.scan(pattern).isGlob;
  const isMatch = glob ? picomatch(pattern, { dot: true }) : undefined;
  const matches = (candidate: string): boolean =>
    isMatch === undefined ? candidate === pattern : isMatch(candidate);
  const found = new Set<string>();
  for (const node of compiled.nodes.values())
    if (fileAndFolders(node.file).some(matches)) found.add(node.name);
  if (found.size === 0)
    throw new UsageError(
      glob
        ? `no model or seed matches path '${pattern}'`
        : `no model or seed under path '${pattern}'`,
      flag,
    );
  return found;
}

/** `models/a/b.sql` -> `models/a/b.sql`, `models/a`, `models`. */
function fileAndFolders(file: string): string[] {
  const parts = file.split('/');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('/'));
}

/** Whether a name is a glob (`stg_*`), which then selects every node it matches. */
export function isGlob(text: string): boolean {
  return picomatch.scan(text).isGlob;
}

/** A matcher for one glob or plain name. */
export function nameMatcher(pattern: string): (name: string) => boolean {
  const isMatch = isGlob(pattern) ? picomatch(pattern) : undefined;
  return (name) => (isMatch === undefined ? name === pattern : isMatch(name));
}
