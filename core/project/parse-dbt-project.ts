import { ProjectError, ProjectErrors } from '../errors.js';
import { YamlFile } from '../util/yaml-file.js';
import { describeType, isRecord } from './config-check.js';
import { DBT_PROJECT_KEYS } from './dbt-keys.js';
import { readFolderTree } from './folder-config.js';
import { TopKeys } from './parse-config.js';
import type { ProjectConfig } from './project.js';

/** The name of dbt's project file (defined with the other project files, light to import). */
export { DBT_PROJECT_FILE } from './find-project.js';

/**
 * Read a dbt_project.yml as the project: its name, paths, vars and the folder config of its
 * models and seeds. What etl does not support is never an error here (the file is dbt's) and
 * never dropped silently: it is listed once, in one warning.
 */
export function parseDbtProject(
  text: string,
  file: string,
  defaultName: string,
): { config: ProjectConfig; warnings: string[] } {
  const yaml = YamlFile.parse(file, text);
  const raw = yaml.value ?? {};
  if (!isRecord(raw))
    throw new ProjectError('E_CONFIG', `${file} must be a mapping, got ${describeType(raw)}`, {
      file,
      line: 1,
    });
  const keys = new TopKeys(yaml, raw);
  const name = keys.string('name') ?? defaultName;
  const ignored = Object.keys(raw).filter(
    (k) => !(DBT_PROJECT_KEYS as readonly string[]).includes(k),
  );
  const models = readFolderTree(raw.models, { yaml, kind: 'models', strict: false, project: name });
  const seeds = readFolderTree(raw.seeds, { yaml, kind: 'seeds', strict: false, project: name });
  const errors = [...models.errors, ...seeds.errors];
  if (errors.length > 0) throw new ProjectErrors(errors);
  ignored.push(...models.ignored, ...seeds.ignored);
  const config: ProjectConfig = {
    name,
    // dbt reads the warehouse from profiles.yml, which etl does not: etl's own default applies.
    target: undefined,
    targets: {},
    modelsDir: keys.folderList('model-paths') ?? keys.folderList('source-paths') ?? 'models',
    seedsDir: keys.folderList('seed-paths') ?? keys.folderList('data-paths') ?? 'seeds',
    macrosDir: keys.folderList('macro-paths') ?? 'macros',
    testsDir: keys.folderList('test-paths') ?? 'tests',
    vars: projectVars(keys.mapping('vars'), name),
    sources: {},
    seeds: {},
    modelFolders: models.entries,
    seedFolders: seeds.entries,
  };
  const warnings =
    ignored.length === 0
      ? []
      : [`${file}: etl ignores: ${ignored.join(', ')} (etl does not support them)`];
  return { config, warnings };
}

/**
 * dbt's vars: global ones, and those scoped to a project (`vars: {jaffle_shop: {k: 1}}`),
 * which for this project override the global ones. Scopes of other packages stay as they are:
 * they cannot be told from a global var whose value is a mapping.
 */
function projectVars(vars: Record<string, unknown>, name: string): Record<string, unknown> {
  const scoped = vars[name];
  if (!isRecord(scoped)) return vars;
  const global = { ...vars };
  delete global[name];
  return { ...global, ...scoped };
}
