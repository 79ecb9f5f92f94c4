import { ProjectError, type SourceLocation } from '../errors.js';
import { EPHEMERAL } from '../project/config-values.js';
import { mergeConfig } from '../project/merge-config.js';
import type { ModelFile, Project } from '../project/project.js';
import { INCREMENTAL_KEYS, parseModelConfig, type ModelConfig } from './model-config.js';

/** The origin of the model's own config() values. */
const OWN = 'config()';
import { locateText } from './template-error.js';

/**
 * A model's config: the levels it gets from outside its file (folder config, outer to inner,
 * then a schema file's `config:`), then its own `config()` calls (`own`, merged already);
 * later wins, tags add up. Checked as a whole at `location` (the config call); a problem
 * with a value the model inherits says (in its hint) where that value was set.
 */
export function modelConfig(
  model: ModelFile,
  own: Readonly<Record<string, unknown>>,
  location: SourceLocation,
): { config: ModelConfig; errors: ProjectError[] } {
  const merged = mergeConfig([...model.configLayers, { origin: OWN, values: own }]);
  const values = { ...merged.values };
  // See EPHEMERAL; the warning was given when the project was loaded.
  if (values.materialized === EPHEMERAL) values.materialized = 'view';
  // A folder's incremental settings (dbt projects set on_schema_change for a whole folder)
  // do not concern its views and tables; in the model's own config() they are refused.
  if (values.materialized !== 'incremental')
    for (const key of INCREMENTAL_KEYS) if (!Object.hasOwn(own, key)) delete values[key];
  const setIn = (key: string): string | undefined => {
    const origin = merged.origins.get(key);
    return origin === OWN ? undefined : origin;
  };
  const parsed = parseModelConfig(values, location, setIn);
  const errors = [...parsed.errors];
  // A literal enabled=false left the model out at load; this one was computed when rendering.
  if (own.enabled === false && model.disabledBy === undefined)
    errors.push(
      new ProjectError(
        'E_MODEL_CONFIG',
        `config(enabled=false) of model '${model.name}' is computed, not a literal: etl decides which models exist before rendering them`,
        location,
        {
          hint: `write enabled=false in the config() call itself, or set enabled: false in the project file's models: or a schema file's config:`,
        },
      ),
    );
  return { config: parsed.config, errors };
}

/**
 * A model that refs a disabled model is an error: the relation would never be built.
 * `disabled`: what disables each disabled model, by name (see {@link disabledModels}).
 */
export function disabledRefErrors(
  disabled: ReadonlyMap<string, string>,
  model: ModelFile,
  refs: readonly string[],
): ProjectError[] {
  const errors: ProjectError[] = [];
  for (const ref of refs) {
    const disabledBy = disabled.get(ref);
    if (disabledBy === undefined) continue;
    const at = locateText(model.text, `ref('${ref}'`) ?? locateText(model.text, `ref("${ref}"`);
    errors.push(
      new ProjectError(
        'E_UNKNOWN_REF',
        `model '${model.name}' refs '${ref}', which is disabled (${disabledBy})`,
        { file: model.relPath, ...at },
        { hint: `enable '${ref}' or disable '${model.name}' too` },
      ),
    );
  }
  return errors;
}

/** What disables each disabled model of the project, by name. */
export function disabledModels(project: Project): Map<string, string> {
  const disabled = new Map<string, string>();
  for (const m of project.models)
    if (m.disabledBy !== undefined) disabled.set(m.name, m.disabledBy);
  return disabled;
}

/**
 * The materialization a model inherits from folder config and schema files, before its own
 * config() (for rendering its is_incremental() branch when only a folder says incremental).
 */
export function inheritedMaterialized(model: ModelFile): unknown {
  return mergeConfig(model.configLayers).values.materialized;
}
