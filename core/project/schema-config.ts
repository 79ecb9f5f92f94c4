import { ProjectError, type EtlError } from '../errors.js';
import { YamlFile } from '../util/yaml-file.js';
import { didYouMean } from '../util/suggest.js';
import { describeType, isRecord } from './config-check.js';
import { CONFIG_KEYS, checkConfigValues } from './config-values.js';
import { DBT_SCHEMA_IGNORED_KEYS, isDbtOnlyKey } from './dbt-keys.js';
import type { ConfigLayer, ProjectFile } from './project.js';

/** What the schema files' `config:` of models say. */
export interface SchemaConfigs {
  /** Each configured model's layer, by model name. */
  readonly layers: Map<string, ConfigLayer>;
  /** One warning per file that sets config keys etl ignores. */
  readonly warnings: string[];
}

/**
 * Read `config:` of each model entry of the schema files, before compiling: it decides which
 * models exist (`enabled`) and comes between folder config and the model's own `config()`.
 * The rest of the files (docs, tests) is read when compiling, which also reports what is
 * malformed there; here a file that is not valid YAML is skipped for the same reason.
 */
export function readSchemaConfigs(
  files: readonly ProjectFile[],
  errors: EtlError[],
): SchemaConfigs {
  const out: SchemaConfigs = { layers: new Map(), warnings: [] };
  for (const file of files) {
    let yaml: YamlFile;
    try {
      yaml = YamlFile.parseFile(file);
    } catch {
      continue;
    }
    const top = yaml.value;
    if (!isRecord(top)) continue;
    const ignored: string[] = (DBT_SCHEMA_IGNORED_KEYS as readonly string[]).filter(
      (k) => top[k] !== undefined,
    );
    if (!Array.isArray(top.models)) {
      if (ignored.length > 0)
        out.warnings.push(
          `${file.relPath}: etl ignores: ${ignored.join(', ')} (etl does not support them)`,
        );
      continue;
    }
    top.models.forEach((entry: unknown, i) => {
      if (!isRecord(entry) || typeof entry.name !== 'string' || entry.config === undefined) return;
      const layer = readConfig(yaml, entry.name, entry.config, ['models', i, 'config'], {
        errors,
        ignored,
      });
      if (layer) out.layers.set(entry.name, layer);
    });
    if (ignored.length > 0)
      out.warnings.push(
        `${file.relPath}: etl ignores: ${ignored.join(', ')} (etl does not support them)`,
      );
  }
  return out;
}

/** One model's `config:`: its values checked, dbt-only keys listed as ignored. */
function readConfig(
  yaml: YamlFile,
  model: string,
  value: unknown,
  at: (string | number)[],
  found: { errors: EtlError[]; ignored: string[] },
): ConfigLayer | undefined {
  if (value === null) return undefined;
  if (!isRecord(value)) {
    found.errors.push(
      new ProjectError(
        'E_SCHEMA',
        `config of model '${model}' must be a mapping, got ${describeType(value)}`,
        yaml.locate(at),
      ),
    );
    return undefined;
  }
  const values: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if ((CONFIG_KEYS as readonly string[]).includes(key)) values[key] = v;
    else if (isDbtOnlyKey(key)) found.ignored.push(`${model}.config.${key}`);
    else
      found.errors.push(
        new ProjectError(
          'E_SCHEMA',
          `unknown config key '${key}' of model '${model}'${didYouMean(key, CONFIG_KEYS)}`,
          yaml.locate([...at, key], true),
          { hint: `allowed: ${CONFIG_KEYS.join(', ')}` },
        ),
      );
  }
  const checked = checkConfigValues(values, (key, message, hint) =>
    found.errors.push(
      new ProjectError(
        'E_SCHEMA',
        `model '${model}': ${message}`,
        yaml.locate([...at, key]),
        hint === undefined ? {} : { hint },
      ),
    ),
  );
  return { origin: `${yaml.file} config of '${model}'`, values: checked };
}
