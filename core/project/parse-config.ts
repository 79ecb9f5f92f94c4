import { ProjectError, ProjectErrors, type EtlError } from '../errors.js';
import { YamlFile } from '../util/yaml-file.js';
import { describeType, isRecord, rejectUnknownKeys } from './config-check.js';
import type { ProjectConfig, SeedConfig, SourceDef } from './project.js';
import { TARGET_NAME, chooseTarget, parseTarget } from '../engine/target.js';
import { interpolateEnv, type Env } from './interpolate-env.js';
import { isStateSchema } from './reserved.js';
import { isAbsolute, normalize } from 'node:path';
import { readFolderTree } from './folder-config.js';

const KEYS = [
  'name',
  'target',
  'targets',
  'models_dir',
  'seeds_dir',
  'macros_dir',
  'tests_dir',
  'vars',
  'sources',
  'seeds',
  'models',
] as const;

/**
 * Parse and validate the text of etl.yml. `file` is used in messages. String values may use
 * `${ENV_VAR}` and `${ENV_VAR:-default}`, read from `env`. The first problem is thrown, at its
 * line; all problems of the `models:` folder config are thrown together.
 */
export function parseProjectConfig(
  text: string,
  file: string,
  root: string,
  defaultName: string,
  env: Env = process.env,
): ProjectConfig {
  const yaml = YamlFile.parse(file, text);
  const raw = interpolateEnv(yaml.value ?? {}, yaml, env);
  if (!isRecord(raw))
    throw new ProjectError('E_CONFIG', `${file} must be a mapping, got ${describeType(raw)}`, {
      file,
      line: 1,
    });
  rejectUnknownKeys(raw, KEYS, file, (k) => yaml.locate([k], true));
  const keys = new TopKeys(yaml, raw);

  const targets = parseTargets(yaml, keys.mapping('targets'), root);
  const target = keys.string('target');
  if (target !== undefined) {
    try {
      chooseTarget(target, targets, root, `target in ${file}`);
    } catch (error) {
      const e = error as EtlError;
      throw new ProjectError('E_TARGET', e.message, yaml.locate(['target']), { hint: e.hint });
    }
  }
  const sources = parseSources(yaml, keys.mapping('sources'));
  const seeds = parseSeeds(yaml, keys.mapping('seeds'));
  const models = readFolderTree(raw.models, { yaml, kind: 'models', strict: true });
  if (models.errors.length > 0) throw new ProjectErrors(models.errors);
  return {
    name: keys.string('name') ?? defaultName,
    target,
    targets,
    modelsDir: keys.folder('models_dir') ?? 'models',
    seedsDir: keys.folder('seeds_dir') ?? 'seeds',
    macrosDir: keys.folder('macros_dir') ?? 'macros',
    testsDir: keys.folder('tests_dir') ?? 'tests',
    vars: keys.mapping('vars'),
    sources,
    seeds,
    modelFolders: models.entries,
    seedFolders: [],
  };
}

/** The values of a project file's top-level keys, each checked for its type. */
export class TopKeys {
  constructor(
    private readonly yaml: YamlFile,
    private readonly raw: Record<string, unknown>,
  ) {}

  string(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v.trim() === '')
      throw new ProjectError(
        'E_CONFIG',
        `'${key}' must be a non-empty string, got ${describeType(v)}`,
        this.yaml.locate([key]),
      );
    return v;
  }

  mapping(key: string): Record<string, unknown> {
    const v = this.raw[key];
    if (v === undefined || v === null) return {};
    if (!isRecord(v))
      throw new ProjectError(
        'E_CONFIG',
        `'${key}' must be a mapping, got ${describeType(v)}`,
        this.yaml.locate([key]),
      );
    return v;
  }

  /** One rule for folders: relative to the project, and inside it. */
  folder(key: string): string | undefined {
    return this.inside(key, this.string(key), [key]);
  }

  /**
   * dbt's `model-paths` and the like: a list of folders (a string is taken as one). etl reads
   * one folder of each kind, so a longer list is an error rather than folders left unread.
   */
  folderList(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    const list: unknown = typeof v === 'string' ? [v] : v;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((x) => typeof x === 'string' && x.trim() !== '')
    )
      throw new ProjectError(
        'E_CONFIG',
        `'${key}' must be a list of one folder, got ${describeType(v)}`,
        this.yaml.locate([key]),
      );
    if (list.length > 1)
      throw new ProjectError(
        'E_CONFIG',
        `'${key}' lists ${list.length} folders (${list.join(', ')}): etl reads one folder of each kind`,
        this.yaml.locate([key, 1]),
        { hint: `move the files into one folder and list only it: ${key}: [${String(list[0])}]` },
      );
    return this.inside(key, list[0] as string, [key, 0]);
  }

  private inside(key: string, v: string | undefined, at: (string | number)[]): string | undefined {
    if (v !== undefined && (isAbsolute(v) || normalize(v).split(/[\\/]/)[0] === '..'))
      throw new ProjectError(
        'E_CONFIG',
        `'${key}' must be a folder inside the project, relative to it: got '${v}'`,
        this.yaml.locate(at),
        { hint: 'etl reads project files from inside the project only; link or copy them in' },
      );
    return v;
  }
}

/** `targets:`: names to target URLs, each checked (a bad one is reported at its line). */
function parseTargets(
  yaml: YamlFile,
  entries: Record<string, unknown>,
  root: string,
): Record<string, string> {
  const targets: Record<string, string> = {};
  for (const [name, url] of Object.entries(entries)) {
    if (!TARGET_NAME.test(name))
      throw new ProjectError(
        'E_CONFIG',
        `target name '${name}' must be letters, digits, _ and -, not starting with a digit`,
        yaml.locate(['targets', name], true),
      );
    if (typeof url !== 'string' || url.trim() === '')
      throw new ProjectError(
        'E_CONFIG',
        `target '${name}' must be a URL string (duckdb:PATH, postgres://...), got ${describeType(url)}`,
        yaml.locate(['targets', name]),
      );
    try {
      parseTarget(url, root, `target '${name}'`);
    } catch (error) {
      throw new ProjectError('E_TARGET', (error as Error).message, yaml.locate(['targets', name]));
    }
    targets[name] = url;
  }
  return targets;
}

/** `sources:`: groups, each a mapping of source names to their definitions. */
function parseSources(
  yaml: YamlFile,
  groups: Record<string, unknown>,
): Record<string, Record<string, SourceDef>> {
  const sources: Record<string, Record<string, SourceDef>> = {};
  for (const [group, tables] of Object.entries(groups)) {
    if (!isRecord(tables))
      throw new ProjectError(
        'E_CONFIG',
        `source group '${group}' must be a mapping of names to { table } or { path }`,
        yaml.locate(['sources', group]),
      );
    const defs: Record<string, SourceDef> = {};
    for (const [name, def] of Object.entries(tables))
      defs[name] = parseSource(yaml, group, name, def);
    sources[group] = defs;
  }
  return sources;
}

/** One source: a `table` or a `path`, exactly one; etl's own schema (its ledger) is no source. */
function parseSource(yaml: YamlFile, group: string, name: string, def: unknown): SourceDef {
  const at = ['sources', group, name];
  if (!isRecord(def))
    throw new ProjectError(
      'E_CONFIG',
      `source '${group}.${name}' must be a mapping with 'table' or 'path'`,
      yaml.locate(at),
    );
  rejectUnknownKeys(def, ['table', 'path', 'description'], `source '${group}.${name}'`, (k) =>
    yaml.locate([...at, k], true),
  );
  const { table, path } = def;
  if (typeof table === 'string' && table.split('.').slice(0, -1).some(isStateSchema))
    throw new ProjectError(
      'E_CONFIG',
      `source '${group}.${name}' names '${table}', in etl's own schema (its ledger): etl's ledger is not a source (read it with etl status --json)`,
      yaml.locate([...at, 'table']),
    );
  if (typeof table === 'string' && path === undefined) return { table };
  if (typeof path === 'string' && table === undefined) return { path };
  throw new ProjectError(
    'E_CONFIG',
    `source '${group}.${name}' needs exactly one of 'table' (a string) or 'path' (a string)`,
    yaml.locate(at),
  );
}

/** `seeds:`: each seed's settings (its column types). */
function parseSeeds(yaml: YamlFile, entries: Record<string, unknown>): Record<string, SeedConfig> {
  const seeds: Record<string, SeedConfig> = {};
  for (const [name, def] of Object.entries(entries)) {
    const at = ['seeds', name];
    if (!isRecord(def))
      throw new ProjectError('E_CONFIG', `seed '${name}' must be a mapping`, yaml.locate(at));
    rejectUnknownKeys(def, ['column_types'], `seed '${name}'`, (k) =>
      yaml.locate([...at, k], true),
    );
    const types = def.column_types ?? {};
    if (!isRecord(types) || !Object.values(types).every((t) => typeof t === 'string'))
      throw new ProjectError(
        'E_CONFIG',
        `seed '${name}': column_types must map column names to type names`,
        yaml.locate([...at, 'column_types']),
      );
    seeds[name] = { columnTypes: types as Record<string, string> };
  }
  return seeds;
}
