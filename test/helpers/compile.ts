import { loadProject } from '../../core/project/load-project.js';
import { compileProject } from '../../core/compile/compile-project.js';
import type { CompiledGraph } from '../../core/compile/compiled-graph.js';
import { parseTarget } from '../../core/engine/target.js';
import { EtlError, ProjectErrors } from '../../core/errors.js';
import { tempProject } from './temp-project.js';

/** Compile a temp project made of `files` (no database). */
export function compileFiles(
  files: Record<string, string>,
  target = 'duckdb::memory:',
): CompiledGraph {
  const project = tempProject(files);
  try {
    const loaded = loadProject(project.root);
    return compileProject(loaded, { target: parseTarget(target, project.root) });
  } finally {
    project.cleanup();
  }
}

/** The errors compiling `files` raises, flattened, as `file:line:col: message`. */
export function compileErrors(files: Record<string, string>, target?: string): string[] {
  try {
    compileFiles(files, target);
  } catch (error) {
    if (!(error instanceof EtlError)) throw error;
    const list = error instanceof ProjectErrors ? error.errors : [error];
    return list.map((e) => {
      const at = e.location;
      const where = at
        ? [at.file, at.line, at.column].filter((x) => x !== undefined).join(':')
        : '';
      return `${where}: ${e.message}${e.hint ? ` [${e.hint}]` : ''}`;
    });
  }
  throw new Error('expected compile to fail');
}
