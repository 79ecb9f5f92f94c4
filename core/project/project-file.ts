import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseProjectConfig } from './parse-config.js';
import { DBT_PROJECT_FILE, parseDbtProject } from './parse-dbt-project.js';
import type { ProjectConfig } from './project.js';
import type { Env } from './interpolate-env.js';

/** The project file read, its config, and what reading it warns about. */
export interface ProjectFileConfig {
  /** etl.yml, etl.yaml or dbt_project.yml; undefined when there is none. */
  readonly file: string | undefined;
  readonly config: ProjectConfig;
  readonly warnings: string[];
}

/**
 * Read the project file of `root`: etl.yml (or etl.yaml) when there is one, else a dbt
 * project's dbt_project.yml, else the defaults. With both, etl.yml is the project file and
 * dbt_project.yml is not read at all (merging two files' config would hide which one wins).
 * etl.yml's `${ENV_VAR}`s are read from `env`.
 */
export function readProjectConfig(root: string, env: Env = process.env): ProjectFileConfig {
  const etlFile = ['etl.yml', 'etl.yaml'].find((name) => existsSync(join(root, name)));
  const hasDbt = existsSync(join(root, DBT_PROJECT_FILE));
  if (etlFile === undefined && hasDbt) {
    const { config, warnings } = parseDbtProject(
      readFileSync(join(root, DBT_PROJECT_FILE), 'utf8'),
      DBT_PROJECT_FILE,
      basename(root),
    );
    return { file: DBT_PROJECT_FILE, config, warnings };
  }
  const config = parseProjectConfig(
    etlFile === undefined ? '' : readFileSync(join(root, etlFile), 'utf8'),
    etlFile ?? 'etl.yml',
    root,
    basename(root),
    env,
  );
  const warnings = hasDbt
    ? [
        `${DBT_PROJECT_FILE} is ignored: ${etlFile ?? 'etl.yml'} is the project file (move what etl should read from ${DBT_PROJECT_FILE} into it)`,
      ]
    : [];
  return { file: etlFile, config, warnings };
}
