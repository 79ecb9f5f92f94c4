import {
  existsSync,
  readFileSync,
  readdirSync,
  realpathSync,
  statSync,
  type Dirent,
} from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { EtlError, ProjectError, ProjectErrors } from '../errors.js';
import { parseProjectConfig } from './parse-config.js';
import { reservedName } from './reserved.js';
import type { ModelFile, Project, ProjectConfig, ProjectFile, SeedFile } from './project.js';

/** The names a model or seed may have: they become SQL identifiers and file names. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Read a project from disk: etl.yml (optional), every `models/**\/*.sql` and `seeds/*.csv`.
 * Every naming problem (bad or duplicate names) is reported at once.
 */
export function loadProject(dir: string): Project {
  const root = projectRoot(dir);
  const configFile = ['etl.yml', 'etl.yaml'].find((name) => existsSync(join(root, name)));
  const config: ProjectConfig = parseProjectConfig(
    configFile === undefined ? '' : readFileSync(join(root, configFile), 'utf8'),
    configFile ?? 'etl.yml',
    root,
    basename(root),
  );

  const errors: EtlError[] = [];
  const models = discover(root, config.modelsDir, '.sql', true, errors).map((path): ModelFile => ({
    name: basename(path, '.sql'),
    path,
    relPath: toRel(root, path),
    text: readFileSync(path, 'utf8'),
  }));
  const seeds = discover(root, config.seedsDir, '.csv', false, errors).map((path): SeedFile => {
    const name = basename(path, '.csv');
    return {
      name,
      path,
      relPath: toRel(root, path),
      columnTypes: config.seeds[name]?.columnTypes ?? {},
    };
  });
  checkNames([...seeds, ...models], errors);
  checkSeedConfigs(config, seeds, configFile ?? 'etl.yml', errors);
  if (errors.length > 0) throw new ProjectErrors(errors);

  const schemaFiles = [
    ...discover(root, config.modelsDir, '.yml', true, errors),
    ...discover(root, config.modelsDir, '.yaml', true, errors),
  ]
    .sort()
    .map((path) => readProjectFile(root, path));
  const testFiles = discover(root, 'tests', '.sql', true, errors).map((path) =>
    readProjectFile(root, path),
  );
  if (errors.length > 0) throw new ProjectErrors(errors);
  return { root, configFile, config, models, seeds, schemaFiles, testFiles };
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
function checkNames(files: readonly (ModelFile | SeedFile)[], errors: EtlError[]): void {
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
  seeds: readonly SeedFile[],
  configFile: string,
  errors: EtlError[],
): void {
  for (const name of Object.keys(config.seeds)) {
    if (!seeds.some((s) => s.name === name))
      errors.push(
        new ProjectError(
          'E_CONFIG',
          `etl.yml configures seed '${name}' but ${config.seedsDir}/${name}.csv does not exist`,
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
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      const type = entryType(root, path, entry, ext, errors);
      if (type === 'folder' && recursive) walk(path);
      else if (type === 'file' && entry.name.endsWith(ext)) found.push(path);
    }
  };
  walk(base);
  return found.sort();
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
  return relative(root, path).split(sep).join('/');
}
