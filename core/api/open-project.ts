import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadProject } from '../project/load-project.js';
import type { Project } from '../project/project.js';
import { compileProject } from '../compile/compile-project.js';
import type { CompiledGraph } from '../compile/compiled-graph.js';
import { DEFAULT_TARGET, parseTarget, type Target } from '../engine/target.js';

/** Options every command shares. */
export interface ProjectOptions {
  /** Project directory; default: the current directory. */
  readonly project?: string;
  /** Target URL; overrides ETL_TARGET and etl.yml. */
  readonly target?: string;
  /** Variables for `var()`, overriding etl.yml's. */
  readonly vars?: Readonly<Record<string, unknown>>;
  /** Environment to read ETL_TARGET from; default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The clock (epoch ms); injectable for tests and goldens. */
  readonly clock?: () => number;
  /** Run id generator; injectable for goldens. */
  readonly runId?: () => string;
  /** Receives each of the project's warnings (Project.warnings) when it is opened. */
  readonly onWarning?: (message: string) => void;
}

/** Resolve the target: `--target`, else ETL_TARGET, else etl.yml, else the default. */
export function resolveTarget(project: Project, options: ProjectOptions): Target {
  const env = options.env ?? process.env;
  if (options.target !== undefined) return parseTarget(options.target, project.root, '--target');
  const fromEnv = env.ETL_TARGET;
  if (fromEnv !== undefined && fromEnv !== '')
    return parseTarget(fromEnv, project.root, 'ETL_TARGET');
  return parseTarget(project.config.target ?? DEFAULT_TARGET, project.root);
}

/**
 * Load and compile the project (no database). With `inMemory`, compile for a throwaway
 * in-memory DuckDB instead of the warehouse (whose target is still resolved, so that a bad
 * one is reported).
 */
export function openProject(
  options: ProjectOptions,
  inMemory = false,
): {
  project: Project;
  compiled: CompiledGraph;
} {
  const project = loadProject(options.project ?? process.cwd());
  for (const warning of project.warnings) options.onWarning?.(warning);
  const target = resolveTarget(project, options);
  const compiled = compileProject(project, {
    target: inMemory ? parseTarget('duckdb::memory:', project.root) : target,
    vars: options.vars ?? {},
  });
  for (const warning of compiled.warnings) options.onWarning?.(warning);
  return { project, compiled };
}

/** SHA-256 of each selected seed file's bytes. */
export function hashSeeds(
  compiled: CompiledGraph,
  selected: ReadonlySet<string>,
): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const node of compiled.nodes.values()) {
    if (node.kind !== 'seed' || !selected.has(node.name)) continue;
    hashes.set(node.name, createHash('sha256').update(readFileSync(node.path)).digest('hex'));
  }
  return hashes;
}

/** A new run id: sortable by time, unique. */
export function newRunId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').slice(0, 15);
  return `${stamp}Z-${randomUUID().slice(0, 8)}`;
}
