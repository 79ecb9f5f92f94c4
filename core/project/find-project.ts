import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { EtlError } from '../errors.js';

/** A dbt project's file, which etl reads when the folder has no etl.yml. */
export const DBT_PROJECT_FILE = 'dbt_project.yml';

/** The files that mark a folder as a project's root, searched for upward like git's `.git`. */
export const PROJECT_FILES = ['etl.yml', 'etl.yaml', DBT_PROJECT_FILE] as const;

/** Where to look for the project. */
export interface FindProjectOptions {
  /** A folder given on the command line (`--project-dir`, `--project`): used as is. */
  readonly dir?: string | undefined;
  /** Environment to read ETL_PROJECT_DIR from; default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the search starts; default: process.cwd(). */
  readonly cwd?: string;
}

/**
 * The project's root folder: the given folder, else `ETL_PROJECT_DIR` (relative to the working
 * folder), else the nearest folder from the working folder upward that holds etl.yml, etl.yaml
 * or dbt_project.yml. The working folder itself, and a given folder, also count when they hold
 * a `models/` or `seeds/` folder (a project without a project file); folders above the working
 * folder need a project file, so that a stray `models/` higher up is never taken for a
 * project. A folder given that is none of these is an error, as is finding no project at all.
 */
export function findProjectRoot(options: FindProjectOptions = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const fromEnv = (options.env ?? process.env).ETL_PROJECT_DIR;
  const given =
    options.dir !== undefined
      ? { dir: options.dir, by: '--project-dir' }
      : fromEnv !== undefined && fromEnv !== ''
        ? { dir: fromEnv, by: 'ETL_PROJECT_DIR' }
        : undefined;
  if (given !== undefined) {
    const dir = resolve(cwd, given.dir);
    // A folder that does not exist is loadProject's to report.
    if (isDir(dir) && !isProject(dir))
      throw new EtlError(
        'E_PROJECT',
        `no etl project in ${dir} (${given.by}): it has no etl.yml, dbt_project.yml, models/ or seeds/`,
        { hint: `run etl init ${given.dir}, or give the project's folder` },
      );
    return dir;
  }
  const start = resolve(cwd);
  if (isProject(start)) return start;
  for (let dir = dirname(start); ; dir = dirname(dir)) {
    if (hasProjectFile(dir)) return dir;
    if (dirname(dir) === dir) break;
  }
  throw new EtlError(
    'E_PROJECT',
    `no etl project here or above: ${start} (no etl.yml or dbt_project.yml); run etl init, or pass --project-dir`,
  );
}

function hasProjectFile(dir: string): boolean {
  return PROJECT_FILES.some((f) => existsSync(join(dir, f)));
}

function isProject(dir: string): boolean {
  return hasProjectFile(dir) || isDir(join(dir, 'models')) || isDir(join(dir, 'seeds'));
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
