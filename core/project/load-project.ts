import {
  existsSync,
  readFileSync,
  readdirSync,
  realpathSync,
  statSync,
  type Dirent,
} from 'node:fs';
import { basename, join, sep } from 'node:path';
import { EtlError, ProjectError, ProjectErrors } from '../errors.js';
import { reservedName } from './reserved.js';
import { readProjectConfig } from './project-file.js';
import { readSchemaConfigs } from './schema-config.js';
import { configureModels, configureSeeds, type FoundFile } from './configure-files.js';
import type { Project, ProjectConfig, ProjectFile } from './project.js';
import type { Env } from './interpolate-env.js';

export { NAME_PATTERN } from './names.js';
import { NAME_PATTERN } from './names.js';
import { relativeTo } from '../util/paths.js';

/**
 * Read a project from disk: its project file (etl.yml, or a dbt project's dbt_project.yml;
 * optional), every `models/**\/*.sql` and `seeds/**\/*.csv`, with the config each gets from
 * folder config and schema files. Every naming problem (bad or duplicate names) is reported
 * at once. etl.yml's `${ENV_VAR}`s are read from `options.env` (default: process.env).
 */
export function loadProject(dir: string, options: { env?: Env } = {}): Project {
  const root = projectRoot(dir);
  const { file: configFile, config, warnings } = readProjectConfig(root, options.env);

  const errors: EtlError[] = [];
  const listed: Listings = new Map();
  const foundModels = discover(root, config.modelsDir, '.sql', true, errors, listed).map(
    (path) => ({
      ...found(root, path, '.sql'),
      text: readFileSync(path, 'utf8'),
    }),
  );
  const foundSeeds = discover(root, config.seedsDir, '.csv', true, errors, listed).map((path) =>
    found(root, path, '.csv'),
  );
  checkNames([...foundSeeds, ...foundModels], errors);
  checkSeedConfigs(config, foundSeeds, configFile ?? 'etl.yml', errors);
  if (errors.length > 0) throw new ProjectErrors(errors);

  const schemaFiles = [
    ...discover(root, config.modelsDir, '.yml', true, errors, listed),
    ...discover(root, config.modelsDir, '.yaml', true, errors, listed),
  ]
    .sort()
    .map((path) => readProjectFile(root, path));
  const testFiles = discover(root, config.testsDir, '.sql', true, errors, listed).map((path) =>
    readProjectFile(root, path),
  );
  const schemaConfigs = readSchemaConfigs(schemaFiles, errors);
  if (errors.length > 0) throw new ProjectErrors(errors);
  const models = configureModels(root, foundModels, config, schemaConfigs);
  const seeds = configureSeeds(root, foundSeeds, config);
  // What a dbt project may hold that etl does not run: said, never silently skipped.
  const python = discover(root, config.modelsDir, '.py', true, errors, listed).map((p) =>
    toRel(root, p),
  );
  const unsupported = [
    ...(python.length > 0
      ? [`Python models are not supported; not built: ${python.join(', ')}`]
      : []),
    ...(['packages.yml', 'dependencies.yml'].some((f) => existsSync(join(root, f)))
      ? ['dbt packages are not supported: packages.yml is not read (dbt_utils tests are built in)']
      : []),
    ...(existsSync(join(root, 'snapshots'))
      ? ['dbt snapshots are not supported: snapshots/ is not read']
      : []),
  ];
  return {
    root,
    configFile,
    config,
    models: models.models,
    seeds: seeds.seeds,
    schemaFiles,
    testFiles,
    warnings: [
      ...warnings,
      ...schemaConfigs.warnings,
      ...models.warnings,
      ...seeds.warnings,
      ...unsupported,
    ],
  };
}

/** A discovered model or seed file: its name is the file's base name. */
function found(root: string, path: string, ext: string): FoundFile {
  return { name: basename(path, ext), path, relPath: toRel(root, path) };
}

/** The project's directory, its symbolic links resolved: the root every path is checked against. */
function projectRoot(dir: string): string {
  let root: string;
  try {
    root = realpathSync(dir);
  } catch {
    throw new EtlError('E_PROJECT', `project directory not found: ${dir}`);
  }
  if (!statSync(root).isDirectory())
    throw new EtlError('E_PROJECT', `project path is not a directory: ${dir}`);
  return root;
}

/**
 * Model and seed names must be valid, not reserved, and unique ignoring case: they become
 * table names, which the warehouse compares ignoring case.
 */
function checkNames(files: readonly FoundFile[], errors: EtlError[]): void {
  const seen = new Map<string, string>();
  for (const file of files) {
    if (!NAME_PATTERN.test(file.name)) {
      errors.push(
        new ProjectError(
          'E_NAME',
          `'${file.name}' is not a valid model or seed name: use letters, digits and _ , not starting with a digit`,
          { file: file.relPath },
        ),
      );
      continue;
    }
    const reserved = reservedName(file.name);
    if (reserved !== undefined) {
      errors.push(new ProjectError('E_NAME', reserved, { file: file.relPath }));
      continue;
    }
    const other = seen.get(file.name.toLowerCase());
    if (other !== undefined)
      errors.push(
        new ProjectError(
          'E_DUPLICATE_NAME',
          `duplicate name '${file.name}': defined by ${other} and ${file.relPath}`,
          { file: file.relPath },
        ),
      );
    else seen.set(file.name.toLowerCase(), file.relPath);
  }
}

/** Every seed etl.yml configures must exist: a typo would otherwise be ignored silently. */
function checkSeedConfigs(
  config: ProjectConfig,
  seeds: readonly FoundFile[],
  configFile: string,
  errors: EtlError[],
): void {
  for (const name of Object.keys(config.seeds)) {
    if (!seeds.some((s) => s.name === name))
      errors.push(
        new ProjectError(
          'E_CONFIG',
          `${configFile} configures seed '${name}' but ${config.seedsDir}/${name}.csv does not exist`,
          { file: configFile },
        ),
      );
  }
}

function readProjectFile(root: string, path: string): ProjectFile {
  return { path, relPath: toRel(root, path), text: readFileSync(path, 'utf8') };
}

/**
 * Files of `ext` under `root/dir`, sorted. Symbolic links are followed when they resolve
 * inside the project (a link is read under its own name) and refused when they leave it:
 * project files are code, and a link must not make etl read what lies outside.
 */
function discover(
  root: string,
  dir: string,
  ext: string,
  recursive: boolean,
  errors: EtlError[],
  listed: Listings,
): string[] {
  const base = join(root, dir);
  if (!existsSync(base)) return [];
  if (!isInside(root, realpathSync(base))) {
    errors.push(
      new ProjectError(
        'E_CONFIG',
        `${dir} resolves outside the project (${realpathSync(base)}): etl reads only files inside it`,
      ),
    );
    return [];
  }
  const found: string[] = [];
  const seen = new Set<string>();
  const walk = (folder: string): void => {
    const real = realpathSync(folder);
    if (seen.has(real)) return;
    seen.add(real);
    for (const { entry, path } of list(folder, listed)) {
      const type = entryType(root, path, entry, ext, errors);
      if (type === 'folder' && recursive) walk(path);
      else if (type === 'file' && entry.name.endsWith(ext)) found.push(path);
    }
  };
  walk(base);
  return found.sort();
}

/** A folder's entry and its path. */
interface Entry {
  readonly entry: Dirent;
  readonly path: string;
}

/** Entries by folder: models/ is walked for .sql, .yml, .yaml and .py files. */
type Listings = Map<string, readonly Entry[]>;

/** The entries of `folder` but hidden ones, with their paths; read once per project load. */
function list(folder: string, listed: Listings): readonly Entry[] {
  let entries = listed.get(folder);
  if (entries === undefined) {
    entries = readdirSync(folder, { withFileTypes: true })
      .filter((entry) => !entry.name.startsWith('.'))
      .map((entry) => ({ entry, path: join(folder, entry.name) }));
    listed.set(folder, entries);
  }
  return entries;
}

/**
 * Whether a folder entry is a file or a folder; a symbolic link is what it resolves to. A
 * broken link, or one that leaves the project, is undefined (reported when it could be a
 * project file or folder).
 */
function entryType(
  root: string,
  path: string,
  entry: Dirent,
  ext: string,
  errors: EtlError[],
): 'file' | 'folder' | undefined {
  if (!entry.isSymbolicLink())
    return entry.isFile() ? 'file' : entry.isDirectory() ? 'folder' : undefined;
  let target: string;
  try {
    target = realpathSync(path);
  } catch {
    errors.push(
      new ProjectError('E_SYMLINK', `${toRel(root, path)} is a broken symbolic link`, {
        file: toRel(root, path),
      }),
    );
    return undefined;
  }
  if (!isInside(root, target)) {
    if (entry.name.endsWith(ext) || statSync(target).isDirectory())
      errors.push(
        new ProjectError(
          'E_SYMLINK',
          `${toRel(root, path)} links outside the project (to ${target}): etl reads only files inside it`,
          { file: toRel(root, path) },
        ),
      );
    return undefined;
  }
  const stat = statSync(target);
  return stat.isFile() ? 'file' : stat.isDirectory() ? 'folder' : undefined;
}

function isInside(root: string, real: string): boolean {
  return real === root || real.startsWith(root + sep);
}

function toRel(root: string, path: string): string {
  const rel = relativeTo(root, path);
  return sep === '/' ? rel : rel.split(sep).join('/');
}
