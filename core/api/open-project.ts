import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadProject } from '../project/load-project.js';
import type { Project } from '../project/project.js';
import { compileProject } from '../compile/compile-project.js';
import type { CompiledGraph } from '../compile/compiled-graph.js';
import { DEFAULT_TARGET, chooseTarget, parseTarget, type Target } from '../engine/target.js';
import { findProjectRoot } from '../project/find-project.js';

/** Options every command shares. */
export interface ProjectOptions {
  /**
   * Project directory; default: ETL_PROJECT_DIR, else the nearest folder from the working
   * folder upward with etl.yml or dbt_project.yml (see findProjectRoot).
   */
  readonly project?: string;
  /** Target: a name of etl.yml's `targets`, or a URL; overrides ETL_TARGET and etl.yml. */
  readonly target?: string;
  /** Variables for `var()`, overriding etl.yml's. */
  readonly vars?: Readonly<Record<string, unknown>>;
  /**
   * Environment to read ETL_TARGET, ETL_PROJECT_DIR and etl.yml's `${ENV_VAR}`s from;
   * default: process.env.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The clock (epoch ms); injectable for tests and goldens. */
  readonly clock?: () => number;
  /** Run id generator; injectable for goldens. */
  readonly runId?: () => string;
  /** Receives each of the project's warnings (Project.warnings) when it is opened. */
  readonly onWarning?: (message: string) => void;
}

/**
 * Resolve the target: `--target`, else ETL_TARGET, else etl.yml's `target`, else the default.
 * Each may name one of etl.yml's `targets` or be a URL. Synchronous and pure: throws a
 * UsageError on a bad target.
 */
export function resolveTarget(project: Project, options: ProjectOptions): Target {
  const env = options.env ?? process.env;
  const { root, config } = project;
  if (options.target !== undefined)
    return chooseTarget(options.target, config.targets, root, '--target');
  const fromEnv = env.ETL_TARGET;
  if (fromEnv !== undefined && fromEnv !== '')
    return chooseTarget(fromEnv, config.targets, root, 'ETL_TARGET');
  return chooseTarget(config.target ?? DEFAULT_TARGET, config.targets, root);
}

/**
 * Load and compile the project (no database). With `inMemory`, compile for a throwaway
 * in-memory DuckDB instead of the warehouse (whose target is still resolved, so that a bad
 * one is reported). Synchronous: it reads the project's files with blocking reads and throws
 * (a ProjectErrors, a UsageError) on a bad project, like {@link loadProject} and
 * {@link compileProject} under it; the commands built on it reject instead.
 *
 * @returns The project as read and compiled.
 */
export function openProject(
  options: ProjectOptions,
  inMemory = false,
): {
  project: Project;
  compiled: CompiledGraph;
} {
  const env = options.env ?? process.env;
  const project = loadProject(findProjectRoot({ dir: options.project, env }), { env });
  for (const warning of project.warnings) options.onWarning?.(warning);
  const target = resolveTarget(project, options);
  const compiled = compileProject(project, {
    target: inMemory
      ? { ...parseTarget('duckdb::memory:', project.root), ...named(target) }
      : target,
    vars: options.vars ?? {},
  });
  for (const warning of compiled.warnings) options.onWarning?.(warning);
  return { project, compiled };
}

/** The target's name alone, for a stand-in target that templates should see as the same. */
function named(target: Target): { name?: string } {
  return target.name === undefined ? {} : { name: target.name };
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
