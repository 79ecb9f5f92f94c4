import { UsageError } from '../errors.js';
import { parseInstant } from '../time/dates.js';
import { GRAINS } from '../time/window.js';
import { didYouMean } from '../util/suggest.js';
import type { CompiledGraph, CompiledModel } from './compiled-graph.js';

/**
 * The config keys `config.KEY:value` can select on, as `config()` spells them, with how to
 * read each from a model's config: a string, or a list (matched by membership).
 */
const KEYS: Readonly<Record<string, (m: CompiledModel) => string | readonly string[] | undefined>> =
  {
    materialized: (m) => m.config.materialized,
    grain: (m) => m.config.grain,
    time_column: (m) => m.config.timeColumn,
    unique_key: (m) => m.config.uniqueKey,
    schema: (m) => m.config.schema,
    tags: (m) => m.config.tags,
    lookback: (m) => String(m.config.lookback),
    batch_size: (m) => String(m.config.batchSize ?? 'auto'),
    description: (m) => m.config.description,
    on_schema_change: (m) => m.config.onSchemaChange,
    start: (m) => (m.config.start === undefined ? undefined : String(m.config.start)),
  };

/** Keys whose values are a closed list: a value outside it is a typo, not an empty match. */
const CHOICES: Readonly<Record<string, readonly string[]>> = {
  materialized: ['view', 'table', 'incremental'],
  grain: GRAINS,
  on_schema_change: ['fail', 'append_new_columns'],
};

/**
 * `config.KEY:value` — the models whose config has that value (compared as strings; a list
 * such as `tags` or `unique_key` matches when it contains the value). `schema` is the
 * `schema` config, as in dbt, not the schema a model lands in by default. Seeds have no
 * config: they never match. Matching nothing is not an error.
 */
export function selectByConfig(
  compiled: CompiledGraph,
  key: string,
  written: string,
  flag: string,
): Set<string> {
  const read = KEYS[key];
  if (read === undefined)
    throw new UsageError(
      `config.${key} cannot be selected on${didYouMean(key, Object.keys(KEYS))}`,
      flag,
      `config keys: ${Object.keys(KEYS).join(', ')}`,
    );
  const value = normalise(key, written, flag);
  const found = new Set<string>();
  for (const node of compiled.nodes.values()) {
    if (node.kind !== 'model') continue;
    const actual = read(node);
    if (typeof actual === 'string' ? actual === value : actual?.includes(value))
      found.add(node.name);
  }
  return found;
}

/** The value as the config holds it: `start` is kept as epoch ms, choices are checked. */
function normalise(key: string, written: string, flag: string): string {
  if (key === 'start') {
    const start = parseInstant(written);
    if (start === undefined)
      throw new UsageError(
        `config.start:${written}: not a date (YYYY-MM-DD or 'YYYY-MM-DD HH:MM')`,
        flag,
      );
    return String(start);
  }
  const choices = CHOICES[key];
  if (choices !== undefined && !choices.includes(written))
    throw new UsageError(
      `config.${key}:${written}: '${written}' is not one of ${choices.join(', ')}${didYouMean(written, choices)}`,
      flag,
    );
  return written;
}
