import { join, sep } from 'node:path';
import { layersFor, unmatchedFolders } from './folder-config.js';
import { literalConfig } from './literal-config.js';
import { mergeConfig } from './merge-config.js';
import { EPHEMERAL } from './config-values.js';
import { csvHeader } from './csv-header.js';
import type { SchemaConfigs } from './schema-config.js';
import type { ConfigLayer, FolderConfig, ModelFile, ProjectConfig, SeedFile } from './project.js';
import { relativeTo } from '../util/paths.js';

/** A model or seed file as discovered, before config is applied. */
export interface FoundFile {
  readonly name: string;
  /** Absolute path, under `root/dir`. */
  readonly path: string;
  readonly relPath: string;
}

/**
 * A name's dbt "fqn" below the project: its folders under `dir`, then its name. Folder config
 * applies to it when the config's path starts it.
 */
function fqn(root: string, dir: string, file: FoundFile): string[] {
  const folders = relativeTo(join(root, dir), file.path).split(sep).slice(0, -1);
  return [...folders, file.name];
}

/**
 * Give each model the config it gets from outside its file (folder config, then a schema
 * file's `config:`) and decide which are disabled. `enabled` and `materialized` written as
 * literals in the model's own `config()` count too (see literalConfig).
 */
export function configureModels(
  root: string,
  found: readonly (FoundFile & { readonly text: string })[],
  config: ProjectConfig,
  schema: SchemaConfigs,
): { models: ModelFile[]; warnings: string[] } {
  const fqns = found.map((m) => fqn(root, config.modelsDir, m));
  const ephemeral: string[] = [];
  const models = found.map((m, i): ModelFile => {
    const schemaLayer = schema.layers.get(m.name);
    const configLayers: ConfigLayer[] = [
      ...layersFor(config.modelFolders, fqns[i] ?? []),
      ...(schemaLayer === undefined ? [] : [schemaLayer]),
    ];
    const own = literalConfig(m.text);
    const ownLayer = {
      origin: `${m.relPath} config()`,
      values: Object.fromEntries(
        Object.entries(own).filter(([k]) => k === 'enabled' || k === 'materialized'),
      ),
    };
    const merged = mergeConfig([...configLayers, ownLayer]);
    const disabledBy =
      merged.values.enabled === false
        ? `enabled: false in ${merged.origins.get('enabled') ?? ''}`
        : undefined;
    if (disabledBy === undefined && merged.values.materialized === EPHEMERAL)
      ephemeral.push(m.name);
    // Field by field: a spread of each file cost some 10 us before V8 warms up.
    return {
      name: m.name,
      path: m.path,
      relPath: m.relPath,
      text: m.text,
      configLayers,
      disabledBy,
    };
  });
  const warnings = unmatchedFolders(config.modelFolders, fqns, config.modelsDir);
  if (ephemeral.length > 0)
    warnings.push(
      `materialized 'ephemeral' is built as a view (etl cannot inline a model into the models that ref it): ${ephemeral.join(', ')}`,
    );
  return { models, warnings };
}

/**
 * Give each seed its column types: folder config outer to inner (types of a column set
 * deeper win), then etl.yml's per-seed `column_types`. Disabled seeds are left out. A folder's
 * types apply to the seeds that have the column: a folder holds seeds of different columns,
 * and the CSV reader refuses a type for a column a file lacks.
 */
export function configureSeeds(
  root: string,
  found: readonly FoundFile[],
  config: ProjectConfig,
): { seeds: SeedFile[]; warnings: string[] } {
  const fqns = found.map((s) => fqn(root, config.seedsDir, s));
  const seeds: SeedFile[] = [];
  found.forEach((s, i) => {
    const layers: readonly FolderConfig[] = layersFor(config.seedFolders, fqns[i] ?? []);
    let columnTypes: Record<string, string> = {};
    let enabled = true;
    let header: string[] | undefined;
    for (const { values, path } of layers) {
      const types = values.column_types as Record<string, string> | undefined;
      if (types !== undefined && path.length === (fqns[i]?.length ?? 0))
        columnTypes = { ...columnTypes, ...types };
      else if (types !== undefined) {
        header ??= csvHeader(s.path) ?? Object.keys(types);
        const known = header;
        columnTypes = {
          ...columnTypes,
          ...Object.fromEntries(Object.entries(types).filter(([c]) => known.includes(c))),
        };
      }
      if (typeof values.enabled === 'boolean') enabled = values.enabled;
    }
    columnTypes = { ...columnTypes, ...config.seeds[s.name]?.columnTypes };
    if (enabled) seeds.push({ ...s, columnTypes });
  });
  return { seeds, warnings: unmatchedFolders(config.seedFolders, fqns, config.seedsDir) };
}
