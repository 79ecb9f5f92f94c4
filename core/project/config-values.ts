import { parseInstant, SUPPORTED_DAYS, supportedDay } from '../time/dates.js';
import { GRAINS } from '../time/window.js';
import { describeType } from './config-check.js';
import { NAME_PATTERN } from './names.js';
import { isStateSchema } from './reserved.js';
import { didYouMean } from '../util/suggest.js';

/** How a model is written to the warehouse. */
export type Materialization = 'view' | 'table' | 'incremental';
export const MATERIALIZATIONS: readonly Materialization[] = ['view', 'table', 'incremental'];

/**
 * dbt's `ephemeral`, accepted and built as a view: dbt inlines an ephemeral model as a CTE into
 * the models that ref it, which etl cannot do; a view runs the same query and gives the same
 * rows, it only leaves one more relation in the warehouse.
 */
export const EPHEMERAL = 'ephemeral';

/** `fail`: refuse changed columns; `append_new_columns`: add new ones (old windows keep NULL). */
export type OnSchemaChange = 'fail' | 'append_new_columns';
export const ON_SCHEMA_CHANGE: readonly OnSchemaChange[] = ['fail', 'append_new_columns'];

/** One column name or more. */
export type ColumnList = readonly [string, ...string[]];

/** The keys a model's config accepts, in `config()`, a schema file or folder config. */
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
  'enabled',
] as const;

/** Receives one problem with a config value: the key it is about, the message, a hint. */
export type ConfigFail = (key: string, message: string, hint?: string) => void;

/**
 * Reads config values one key at a time, checking each for its type and value. A problem goes
 * to `fail` and the key's fallback is returned, so that reading goes on.
 */
export class ConfigValues {
  constructor(
    protected readonly raw: Readonly<Record<string, unknown>>,
    protected readonly fail: ConfigFail,
  ) {}

  /** Report keys that are no config key. */
  unknownKeys(): void {
    for (const key of Object.keys(this.raw)) {
      if (!(CONFIG_KEYS as readonly string[]).includes(key))
        this.fail(
          key,
          `unknown config key '${key}'${didYouMean(key, CONFIG_KEYS)}`,
          `allowed: ${CONFIG_KEYS.join(', ')}`,
        );
    }
  }

  string(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v === '') {
      this.fail(key, `config '${key}' must be a non-empty string, got ${describeType(v)}`);
      return undefined;
    }
    return v;
  }

  count(key: string, min: number, fallback: number): number {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      this.fail(key, `config '${key}' must be an integer >= ${min}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.string(key);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.fail(
        key,
        `config ${key}='${v}' is not one of ${allowed.join(', ')}${didYouMean(v, allowed)}`,
      );
      return fallback;
    }
    return v as T;
  }

  /** `materialized`; `ephemeral` is read as a view (see EPHEMERAL). */
  materialized(): Materialization {
    return this.raw.materialized === EPHEMERAL
      ? 'view'
      : this.oneOf('materialized', MATERIALIZATIONS, 'view');
  }

  grain(): (typeof GRAINS)[number] {
    return this.oneOf('grain', GRAINS, 'day');
  }

  onSchemaChange(): OnSchemaChange {
    return this.oneOf('on_schema_change', ON_SCHEMA_CHANGE, 'fail');
  }

  /** A column or schema name: it goes into SQL unquoted in places, so it must be plain. */
  identifier(key: string): string | undefined {
    const v = this.string(key);
    if (v !== undefined && !NAME_PATTERN.test(v)) {
      this.fail(key, `config '${key}' must be a plain column or schema name, got '${v}'`);
      return undefined;
    }
    return v;
  }

  /** The model's schema; etl's own is refused, since a model there could overwrite the ledger. */
  schema(): string | undefined {
    const schema = this.identifier('schema');
    if (schema === undefined || !isStateSchema(schema)) return schema;
    this.fail(
      'schema',
      `config schema='${schema}' is etl's own: it holds the ledger (etl_state.partitions, runs...), which models cannot write`,
      'pick another schema',
    );
    return undefined;
  }

  /** `start`: a date or an instant (YAML-like dates arrive as Date), within the supported days. */
  start(): number | undefined {
    const startRaw = this.raw.start;
    let start: number | undefined;
    if (startRaw instanceof Date) start = startRaw.getTime();
    else if (startRaw !== undefined && startRaw !== null) {
      start = typeof startRaw === 'string' ? parseInstant(startRaw) : undefined;
      if (start === undefined)
        this.fail(
          'start',
          `config start=${JSON.stringify(startRaw)} is not a date (YYYY-MM-DD or 'YYYY-MM-DD HH:MM')`,
        );
    }
    if (start !== undefined && !supportedDay(start)) {
      this.fail(
        'start',
        `config start=${JSON.stringify(startRaw instanceof Date ? startRaw.toISOString().slice(0, 10) : startRaw)} is outside the supported dates ${SUPPORTED_DAYS}`,
      );
      return undefined;
    }
    return start;
  }

  /** `unique_key`: one column name or a non-empty list of them. */
  uniqueKey(): ColumnList | undefined {
    const keyRaw = this.raw.unique_key;
    if (keyRaw === undefined || keyRaw === null) return undefined;
    const keys: unknown = typeof keyRaw === 'string' ? [keyRaw] : keyRaw;
    if (isColumnList(keys)) return keys;
    this.fail('unique_key', `config 'unique_key' must be a column name or a list of column names`);
    return undefined;
  }

  tags(): string[] {
    const tagsRaw = this.raw.tags;
    if (typeof tagsRaw === 'string') return [tagsRaw];
    if (Array.isArray(tagsRaw) && tagsRaw.every((t) => typeof t === 'string')) return tagsRaw;
    if (tagsRaw !== undefined && tagsRaw !== null)
      this.fail('tags', `config 'tags' must be a list of strings`);
    return [];
  }

  /** Tests given in the config; they are read later, like a schema file's model-level tests. */
  tests(): unknown[] {
    const testsRaw = this.raw.tests;
    if (testsRaw !== undefined && !Array.isArray(testsRaw))
      this.fail('tests', `config 'tests' must be a list`);
    return Array.isArray(testsRaw) ? (testsRaw as unknown[]) : [];
  }

  /** `enabled`: false leaves the model out of the project. */
  enabled(): boolean {
    const v = this.raw.enabled;
    if (v === undefined || v === null) return true;
    if (typeof v !== 'boolean') {
      this.fail('enabled', `config 'enabled' must be true or false, got ${describeType(v)}`);
      return true;
    }
    return v;
  }

  /** Check the one key `key` on its own (any key: unknown ones are reported). */
  check(key: string): void {
    const checks: Record<(typeof CONFIG_KEYS)[number], () => unknown> = {
      materialized: () => this.materialized(),
      time_column: () => this.identifier('time_column'),
      grain: () => this.grain(),
      start: () => this.start(),
      lookback: () => this.count('lookback', 0, 0),
      batch_size: () => this.count('batch_size', 1, 1),
      unique_key: () => this.uniqueKey(),
      schema: () => this.schema(),
      tags: () => this.tags(),
      description: () => this.string('description'),
      tests: () => this.tests(),
      on_schema_change: () => this.onSchemaChange(),
      enabled: () => this.enabled(),
    };
    if (Object.hasOwn(checks, key)) checks[key as keyof typeof checks]();
    else this.unknownKeys();
  }
}

/**
 * Check each key of one level of config (folder config, a schema file's `config:`) on its own:
 * what keys mean together (materialized with time_column...) is checked once the levels are
 * merged. Returns the values that passed, so a bad one is reported once, here.
 */
export function checkConfigValues(
  raw: Readonly<Record<string, unknown>>,
  fail: ConfigFail,
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    let ok = true;
    new ConfigValues({ [key]: value }, (k, message, hint) => {
      ok = false;
      fail(k, message, hint);
    }).check(key);
    if (ok) kept[key] = value;
  }
  return kept;
}

function isColumnList(value: unknown): value is ColumnList {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((k) => typeof k === 'string' && NAME_PATTERN.test(k))
  );
}
