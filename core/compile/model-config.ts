import { isStateSchema } from '../project/reserved.js';
import { ProjectError, type SourceLocation } from '../errors.js';
import { NAME_PATTERN } from '../project/load-project.js';
import { parseInstant, SUPPORTED_DAYS, supportedDay } from '../time/dates.js';
import { GRAINS, type Grain } from '../time/window.js';
import { describeType } from '../project/config-check.js';
import { didYouMean } from '../util/suggest.js';

/** How a model is written to the warehouse. */
export type Materialization = 'view' | 'table' | 'incremental';
const MATERIALIZATIONS: readonly Materialization[] = ['view', 'table', 'incremental'];

/** A model's validated `config(...)`. */
export interface ModelConfig {
  readonly materialized: Materialization;
  readonly timeColumn: string | undefined;
  readonly grain: Grain;
  /** First window's start (epoch ms), or undefined. */
  readonly start: number | undefined;
  readonly lookback: number;
  readonly batchSize: number;
  readonly uniqueKey: readonly string[] | undefined;
  readonly schema: string | undefined;
  readonly tags: readonly string[];
  readonly description: string | undefined;
  readonly tests: readonly unknown[];
  /** What an incremental model does when its query's columns change (default `fail`). */
  readonly onSchemaChange: OnSchemaChange;
}

/** `fail`: refuse changed columns; `append_new_columns`: add new ones (old windows keep NULL). */
export type OnSchemaChange = 'fail' | 'append_new_columns';
const ON_SCHEMA_CHANGE: readonly OnSchemaChange[] = ['fail', 'append_new_columns'];

/** The keys `config()` accepts. */
export const CONFIG_KEYS = [
  'materialized',
  'time_column',
  'grain',
  'start',
  'lookback',
  'batch_size',
  'unique_key',
  'schema',
  'tags',
  'description',
  'tests',
  'on_schema_change',
] as const;

/**
 * Validate the keyword arguments a model passed to `config()` (merged, last call wins).
 * Every problem is returned; `location` points at the config call.
 */
export function parseModelConfig(
  raw: Readonly<Record<string, unknown>>,
  location: SourceLocation,
): { config: ModelConfig; errors: ProjectError[] } {
  const errors: ProjectError[] = [];
  const fail = (message: string, hint?: string): void => {
    errors.push(new ProjectError('E_MODEL_CONFIG', message, location, hint ? { hint } : {}));
  };
  for (const key of Object.keys(raw)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key))
      fail(
        `unknown config key '${key}'${didYouMean(key, CONFIG_KEYS)}`,
        `allowed: ${CONFIG_KEYS.join(', ')}`,
      );
  }

  const string = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v === '') {
      fail(`config '${key}' must be a non-empty string, got ${describeType(v)}`);
      return undefined;
    }
    return v;
  };
  const count = (key: string, min: number, fallback: number): number => {
    const v = raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      fail(`config '${key}' must be an integer >= ${min}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const v = string(key);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      fail(`config ${key}='${v}' is not one of ${allowed.join(', ')}${didYouMean(v, allowed)}`);
      return fallback;
    }
    return v as T;
  };
  const identifier = (key: string): string | undefined => {
    const v = string(key);
    if (v !== undefined && !NAME_PATTERN.test(v)) {
      fail(`config '${key}' must be a plain column or schema name, got '${v}'`);
      return undefined;
    }
    return v;
  };

  const materialized = oneOf('materialized', MATERIALIZATIONS, 'view');
  const grain = oneOf('grain', GRAINS, 'day');
  const timeColumn = identifier('time_column');
  let schema = identifier('schema');
  if (schema !== undefined && isStateSchema(schema)) {
    fail(
      `config schema='${schema}' is etl's own: it holds the ledger (etl_state.partitions, runs...), which models cannot write`,
      'pick another schema',
    );
    schema = undefined;
  }
  const description = string('description');
  const onSchemaChange = oneOf('on_schema_change', ON_SCHEMA_CHANGE, 'fail');

  let start: number | undefined;
  const startRaw = raw.start;
  if (startRaw instanceof Date) start = startRaw.getTime();
  else if (startRaw !== undefined && startRaw !== null) {
    start = typeof startRaw === 'string' ? parseInstant(startRaw) : undefined;
    if (start === undefined)
      fail(
        `config start=${JSON.stringify(startRaw)} is not a date (YYYY-MM-DD or 'YYYY-MM-DD HH:MM')`,
      );
  }
  if (start !== undefined && !supportedDay(start)) {
    fail(
      `config start=${JSON.stringify(startRaw instanceof Date ? startRaw.toISOString().slice(0, 10) : startRaw)} is outside the supported dates ${SUPPORTED_DAYS}`,
    );
    start = undefined;
  }

  let uniqueKey: string[] | undefined;
  const keyRaw = raw.unique_key;
  if (keyRaw !== undefined && keyRaw !== null) {
    const keys = typeof keyRaw === 'string' ? [keyRaw] : keyRaw;
    if (
      !Array.isArray(keys) ||
      keys.length === 0 ||
      !keys.every((k) => typeof k === 'string' && NAME_PATTERN.test(k))
    )
      fail(`config 'unique_key' must be a column name or a list of column names`);
    else uniqueKey = keys as string[];
  }

  let tags: string[] = [];
  const tagsRaw = raw.tags;
  if (typeof tagsRaw === 'string') tags = [tagsRaw];
  else if (Array.isArray(tagsRaw) && tagsRaw.every((t) => typeof t === 'string')) tags = tagsRaw;
  else if (tagsRaw !== undefined && tagsRaw !== null)
    fail(`config 'tags' must be a list of strings`);

  const testsRaw = raw.tests;
  const tests = Array.isArray(testsRaw) ? (testsRaw as unknown[]) : [];
  if (testsRaw !== undefined && !Array.isArray(testsRaw)) fail(`config 'tests' must be a list`);

  if (materialized === 'incremental') {
    if (timeColumn === undefined && uniqueKey === undefined)
      fail(
        `incremental model needs config time_column (windowed delete+insert) or unique_key (upsert by key)`,
      );
    if (timeColumn !== undefined && uniqueKey !== undefined)
      fail(`incremental model sets both time_column and unique_key: choose one`);
  } else {
    for (const key of [
      'time_column',
      'unique_key',
      'lookback',
      'batch_size',
      'on_schema_change',
    ] as const)
      if (raw[key] !== undefined)
        fail(
          `config '${key}' only applies to materialized='incremental' (this model is a ${materialized})`,
        );
  }

  return {
    config: {
      materialized,
      timeColumn,
      grain,
      start,
      lookback: count('lookback', 0, 0),
      batchSize: count('batch_size', 1, 1),
      uniqueKey,
      schema,
      tags,
      description,
      tests,
      onSchemaChange,
    },
    errors,
  };
}
