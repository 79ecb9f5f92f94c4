import { ProjectError } from '../errors.js';
import type { YamlFile } from '../util/yaml-file.js';
import { didYouMean } from '../util/suggest.js';
import { describeType, isRecord } from './config-check.js';
import { CONFIG_KEYS, checkConfigValues } from './config-values.js';
import { SEED_CONFIG_KEYS, isDbtOnlyKey } from './dbt-keys.js';
import type { FolderConfig } from './project.js';

type YamlPath = readonly (string | number)[];

/** How to read one `models:` or `seeds:` tree. */
export interface FolderTreeOptions {
  readonly yaml: YamlFile;
  readonly kind: 'models' | 'seeds';
  /**
   * etl.yml is etl's own file: a config key etl does not support is an error there. In a
   * dbt_project.yml it is listed as ignored.
   */
  readonly strict: boolean;
  /**
   * dbt_project.yml's project name: there, the first level of the tree names the project (or a
   * package, whose config etl ignores) and is not a folder.
   */
  readonly project?: string;
}

/** A tree read: its levels, what it ignores (key paths), and its mistakes. */
export interface FolderTree {
  readonly entries: FolderConfig[];
  readonly ignored: string[];
  readonly errors: ProjectError[];
}

/**
 * Read a dbt-style folder config tree. dbt's rule decides what a key is: with a `+` it is
 * config; without, it is config when it is a config key, otherwise a subfolder (or a model's
 * or seed's name). Each level with its config values becomes an entry, even a level with none,
 * so that a folder name matching nothing can be reported.
 */
export function readFolderTree(value: unknown, options: FolderTreeOptions): FolderTree {
  const tree: FolderTree = { entries: [], ignored: [], errors: [] };
  const at: YamlPath = [options.kind];
  if (value === undefined || value === null) return tree;
  if (!isRecord(value)) {
    tree.errors.push(
      new ProjectError(
        'E_CONFIG',
        `'${options.kind}' must be a mapping of folders to config, got ${describeType(value)}`,
        options.yaml.locate(at),
      ),
    );
    return tree;
  }
  new TreeReader(options, tree).level(value, at, [], options.project !== undefined);
  return tree;
}

/** The config keys etl supports for the tree's kind. */
function supportedKeys(kind: 'models' | 'seeds'): readonly string[] {
  return kind === 'models' ? CONFIG_KEYS : SEED_CONFIG_KEYS;
}

/** Whether a key (without its `+`) is config by dbt's rule rather than a folder. */
function isConfigKey(key: string): boolean {
  return (
    (CONFIG_KEYS as readonly string[]).includes(key) ||
    (SEED_CONFIG_KEYS as readonly string[]).includes(key) ||
    isDbtOnlyKey(key)
  );
}

class TreeReader {
  constructor(
    private readonly options: FolderTreeOptions,
    private readonly tree: FolderTree,
  ) {}

  private get file(): string {
    return this.options.yaml.file;
  }

  private fail(message: string, at: YamlPath, key = false): void {
    this.tree.errors.push(new ProjectError('E_CONFIG', message, this.options.yaml.locate(at, key)));
  }

  /**
   * One level: its config keys, then its subfolders. At `projectLevel` (dbt_project.yml's
   * first level), a key that is no config names the project or another package.
   */
  level(node: Record<string, unknown>, at: YamlPath, path: string[], projectLevel: boolean): void {
    const values: Record<string, unknown> = {};
    const written = new Map<string, string>();
    const folders: [string, unknown][] = [];
    const supported = supportedKeys(this.options.kind);
    for (const [raw, v] of Object.entries(node)) {
      const plus = raw.startsWith('+');
      const key = plus ? raw.slice(1) : raw;
      const keyAt = [...at, raw];
      if (!plus && !isConfigKey(key)) folders.push([raw, v]);
      else if (supported.includes(key)) {
        values[key] = v;
        written.set(key, raw);
      } else if (this.options.strict)
        this.fail(
          `${keyAt.join('.')}: etl has no ${this.options.kind === 'models' ? 'model' : 'seed'} config '${key}'${didYouMean(key, supported)}`,
          keyAt,
          true,
        );
      else this.tree.ignored.push(keyAt.join('.'));
    }
    // The level before its subfolders: entries come outer folders first.
    this.tree.entries.push({
      path,
      origin: `${this.file} ${at.join('.')}`,
      values: this.check(values, (key) => [...at, written.get(key) ?? key]),
      location: this.options.yaml.locate(at, at.length > 1),
    });
    for (const [key, v] of folders) {
      if (projectLevel && key !== this.options.project)
        // dbt configures installed packages this way; etl has no packages.
        this.tree.ignored.push([...at, key].join('.'));
      else this.folder(v, [...at, key], projectLevel ? path : [...path, key]);
    }
  }

  /** A key that is no config: a subfolder, whose value is a mapping (or empty). */
  private folder(value: unknown, at: YamlPath, path: string[]): void {
    if (value === null || value === undefined) value = {};
    if (isRecord(value)) {
      this.level(value, at, path, false);
      return;
    }
    const name = String(at[at.length - 1]);
    this.fail(
      `${at.join('.')}: '${name}' is no config key${didYouMean(name, supportedKeys(this.options.kind))}, so it names a folder, whose config must be a mapping, got ${describeType(value)}`,
      at,
      true,
    );
  }

  /** The values of one level, each checked; bad ones are reported and left out. */
  private check(
    values: Record<string, unknown>,
    keyAt: (key: string) => YamlPath,
  ): Record<string, unknown> {
    if (this.options.kind === 'seeds') return this.checkSeed(values, keyAt);
    return checkConfigValues(values, (key, message, hint) =>
      this.tree.errors.push(
        new ProjectError(
          'E_CONFIG',
          `${keyAt(key).join('.')}: ${message}`,
          this.options.yaml.locate(keyAt(key)),
          hint === undefined ? {} : { hint },
        ),
      ),
    );
  }

  private checkSeed(
    values: Record<string, unknown>,
    keyAt: (key: string) => YamlPath,
  ): Record<string, unknown> {
    const kept: Record<string, unknown> = {};
    const types = values.column_types;
    if (types !== undefined && types !== null) {
      if (isRecord(types) && Object.values(types).every((t) => typeof t === 'string'))
        kept.column_types = types;
      else
        this.fail(
          `${keyAt('column_types').join('.')}: column_types must map column names to type names`,
          keyAt('column_types'),
        );
    }
    const enabled = values.enabled;
    if (typeof enabled === 'boolean') kept.enabled = enabled;
    else if (enabled !== undefined && enabled !== null)
      this.fail(
        `${keyAt('enabled').join('.')}: 'enabled' must be true or false, got ${describeType(enabled)}`,
        keyAt('enabled'),
      );
    return kept;
  }
}

/**
 * The folder config that applies to a model or seed, outer levels first. `fqn` is its folders
 * under models_dir (or seeds_dir) and its name last: a level applies when its path starts it.
 */
export function layersFor(
  entries: readonly FolderConfig[],
  fqn: readonly string[],
): FolderConfig[] {
  return entries
    .filter((e) => e.path.length <= fqn.length && e.path.every((p, i) => p === fqn[i]))
    .filter((e) => Object.keys(e.values).length > 0)
    .sort((a, b) => a.path.length - b.path.length);
}

/** Warnings for levels whose path names no folder, model or seed (a typo would do nothing). */
export function unmatchedFolders(
  entries: readonly FolderConfig[],
  fqns: readonly (readonly string[])[],
  dir: string,
): string[] {
  const startsWith = (fqn: readonly string[], prefix: readonly string[]): boolean =>
    fqn.length >= prefix.length && prefix.every((p, i) => p === fqn[i]);
  const warnings: string[] = [];
  for (const { path, origin, location } of entries) {
    if (path.length === 0 || fqns.some((fqn) => startsWith(fqn, path))) continue;
    const parent = path.slice(0, -1);
    const under = fqns.filter((fqn) => startsWith(fqn, parent) && fqn.length > parent.length);
    // Only the outermost level that matches nothing is reported, not each level inside it.
    if (under.length === 0 && parent.length > 0) continue;
    const siblings = new Set(under.map((fqn) => fqn[parent.length] as string));
    const line = location.line === undefined ? '' : `:${location.line}`;
    const keyPath = origin.slice(location.file.length + 1);
    warnings.push(
      `${location.file}${line}: ${keyPath} names no folder, model or seed under ${dir}/${didYouMean(path.at(-1) ?? '', siblings)}: its config applies to nothing`,
    );
  }
  return warnings;
}
