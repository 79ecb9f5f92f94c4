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

/** What every model's config has, whatever its kind. */
interface CommonConfig {
  readonly grain: Grain;
  /** First window's start (epoch ms), or undefined. */
  readonly start: number | undefined;
  readonly lookback: number;
  readonly batchSize: number;
  readonly schema: string | undefined;
  readonly tags: readonly string[];
  readonly description: string | undefined;
  readonly tests: readonly unknown[];
  /** What an incremental model does when its query's columns change (default `fail`). */
  readonly onSchemaChange: OnSchemaChange;
}

/** A view: the query stored as it is, no data of its own. */
interface ViewConfig extends CommonConfig {
  readonly kind: 'view';
  readonly materialized: 'view';
  readonly timeColumn?: undefined;
  readonly uniqueKey?: undefined;
}

/** A table: rebuilt whole, never by window. */
interface TableConfig extends CommonConfig {
  readonly kind: 'table';
  readonly materialized: 'table';
  readonly timeColumn?: undefined;
  readonly uniqueKey?: undefined;
}

/** An incremental model written window by window: delete the window's rows, insert them anew. */
interface IncrementalByTimeConfig extends CommonConfig {
  readonly kind: 'incremental_by_time';
  readonly materialized: 'incremental';
  readonly timeColumn: string;
  readonly uniqueKey?: undefined;
}

/** An incremental model written day by day as an upsert on its key columns. */
interface IncrementalByKeyConfig extends CommonConfig {
  readonly kind: 'incremental_by_key';
  readonly materialized: 'incremental';
  readonly timeColumn?: undefined;
  readonly uniqueKey: ColumnList;
}

/**
 * A model's validated `config(...)`. `kind` says how it is written; `materialized` is the
 * user's word for it.
 */
export type ModelConfig =
  ViewConfig | TableConfig | IncrementalByTimeConfig | IncrementalByKeyConfig;

/** The part of a config that depends on its kind. */
type KindConfig =
  | Pick<ViewConfig, 'kind' | 'materialized'>
  | Pick<TableConfig, 'kind' | 'materialized'>
  | Pick<IncrementalByTimeConfig, 'kind' | 'materialized' | 'timeColumn'>
  | Pick<IncrementalByKeyConfig, 'kind' | 'materialized' | 'uniqueKey'>;

/** One column name or more. */
type ColumnList = readonly [string, ...string[]];

/** `fail`: refuse changed columns; `append_new_columns`: add new ones (old windows keep NULL). */
export type OnSchemaChange = 'fail' | 'append_new_columns';
const ON_SCHEMA_CHANGE: readonly OnSchemaChange[] = ['fail', 'append_new_columns'];

/** The keys `config()` accepts. */
const CONFIG_KEYS = [
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

/** The keys that only incremental models may set. */
const INCREMENTAL_KEYS = [
  'time_column',
  'unique_key',
  'lookback',
  'batch_size',
  'on_schema_change',
] as const;

/**
 * Validate the keyword arguments a model passed to `config()` (merged, last call wins).
 * Every problem is returned; `location` points at the config call. With problems, `config`
 * is a stand-in, good only for the checks that collect further problems.
 */
export function parseModelConfig(
  raw: Readonly<Record<string, unknown>>,
  location: SourceLocation,
): { config: ModelConfig; errors: ProjectError[] } {
  const errors: ProjectError[] = [];
  const reader = new ConfigReader(raw, (message, hint) => {
    errors.push(new ProjectError('E_MODEL_CONFIG', message, location, hint ? { hint } : {}));
  });
  return { config: reader.read(), errors };
}

/** Reads one model's config keys, reporting each problem to `fail` and going on. */
class ConfigReader {
  constructor(
    private readonly raw: Readonly<Record<string, unknown>>,
    private readonly fail: (message: string, hint?: string) => void,
  ) {}

  /** The whole config. The keys are read in a fixed order: it is the order of the messages. */
  read(): ModelConfig {
    this.rejectUnknownKeys();
    const materialized = this.oneOf('materialized', MATERIALIZATIONS, 'view');
    const grain = this.oneOf('grain', GRAINS, 'day');
    const timeColumn = this.identifier('time_column');
    const schema = this.schema();
    const description = this.string('description');
    const onSchemaChange = this.oneOf('on_schema_change', ON_SCHEMA_CHANGE, 'fail');
    const start = this.start();
    const uniqueKey = this.uniqueKey();
    const tags = this.tags();
    const tests = this.tests();
    const kind = this.kind(materialized, timeColumn, uniqueKey);
    return {
      ...kind,
      grain,
      start,
      lookback: this.count('lookback', 0, 0),
      batchSize: this.count('batch_size', 1, 1),
      schema,
      tags,
      description,
      tests,
      onSchemaChange,
    };
  }

  private rejectUnknownKeys(): void {
    for (const key of Object.keys(this.raw)) {
      if (!(CONFIG_KEYS as readonly string[]).includes(key))
        this.fail(
          `unknown config key '${key}'${didYouMean(key, CONFIG_KEYS)}`,
          `allowed: ${CONFIG_KEYS.join(', ')}`,
        );
    }
  }

  private string(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v === '') {
      this.fail(`config '${key}' must be a non-empty string, got ${describeType(v)}`);
      return undefined;
    }
    return v;
  }

  private count(key: string, min: number, fallback: number): number {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      this.fail(`config '${key}' must be an integer >= ${min}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  }

  private oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.string(key);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.fail(
        `config ${key}='${v}' is not one of ${allowed.join(', ')}${didYouMean(v, allowed)}`,
      );
      return fallback;
    }
    return v as T;
  }

  /** A column or schema name: it goes into SQL unquoted in places, so it must be plain. */
  private identifier(key: string): string | undefined {
    const v = this.string(key);
    if (v !== undefined && !NAME_PATTERN.test(v)) {
      this.fail(`config '${key}' must be a plain column or schema name, got '${v}'`);
      return undefined;
    }
    return v;
  }

  /** The model's schema; etl's own is refused, since a model there could overwrite the ledger. */
  private schema(): string | undefined {
    const schema = this.identifier('schema');
    if (schema === undefined || !isStateSchema(schema)) return schema;
    this.fail(
      `config schema='${schema}' is etl's own: it holds the ledger (etl_state.partitions, runs...), which models cannot write`,
      'pick another schema',
    );
    return undefined;
  }

  /** `start`: a date or an instant (YAML-like dates arrive as Date), within the supported days. */
  private start(): number | undefined {
    const startRaw = this.raw.start;
    let start: number | undefined;
    if (startRaw instanceof Date) start = startRaw.getTime();
    else if (startRaw !== undefined && startRaw !== null) {
      start = typeof startRaw === 'string' ? parseInstant(startRaw) : undefined;
      if (start === undefined)
        this.fail(
          `config start=${JSON.stringify(startRaw)} is not a date (YYYY-MM-DD or 'YYYY-MM-DD HH:MM')`,
        );
    }
    if (start !== undefined && !supportedDay(start)) {
      this.fail(
        `config start=${JSON.stringify(startRaw instanceof Date ? startRaw.toISOString().slice(0, 10) : startRaw)} is outside the supported dates ${SUPPORTED_DAYS}`,
      );
      return undefined;
    }
    return start;
  }

  /** `unique_key`: one column name or a non-empty list of them. */
  private uniqueKey(): ColumnList | undefined {
    const keyRaw = this.raw.unique_key;
    if (keyRaw === undefined || keyRaw === null) return undefined;
    const keys: unknown = typeof keyRaw === 'string' ? [keyRaw] : keyRaw;
    if (isColumnList(keys)) return keys;
    this.fail(`config 'unique_key' must be a column name or a list of column names`);
    return undefined;
  }

  private tags(): string[] {
    const tagsRaw = this.raw.tags;
    if (typeof tagsRaw === 'string') return [tagsRaw];
    if (Array.isArray(tagsRaw) && tagsRaw.every((t) => typeof t === 'string')) return tagsRaw;
    if (tagsRaw !== undefined && tagsRaw !== null)
      this.fail(`config 'tags' must be a list of strings`);
    return [];
  }

  /** Tests given in the config; they are read later, like a schema file's model-level tests. */
  private tests(): unknown[] {
    const testsRaw = this.raw.tests;
    if (testsRaw !== undefined && !Array.isArray(testsRaw))
      this.fail(`config 'tests' must be a list`);
    return Array.isArray(testsRaw) ? (testsRaw as unknown[]) : [];
  }

  /**
   * The model's kind, from `materialized` and, for incremental models, the one key that says
   * how it writes. A model that sets neither or both is reported; its stand-in stays
   * incremental, so that checks of its unit tests see what the user asked for.
   */
  private kind(
    materialized: Materialization,
    timeColumn: string | undefined,
    uniqueKey: ColumnList | undefined,
  ): KindConfig {
    if (materialized !== 'incremental') {
      this.rejectIncrementalKeys(materialized);
      return materialized === 'view'
        ? { kind: 'view', materialized }
        : { kind: 'table', materialized };
    }
    if (timeColumn === undefined && uniqueKey === undefined)
      this.fail(
        `incremental model needs config time_column (windowed delete+insert) or unique_key (upsert by key)`,
      );
    if (timeColumn !== undefined && uniqueKey !== undefined)
      this.fail(`incremental model sets both time_column and unique_key: choose one`);
    if (uniqueKey !== undefined && timeColumn === undefined)
      return { kind: 'incremental_by_key', materialized, uniqueKey };
    return { kind: 'incremental_by_time', materialized, timeColumn: timeColumn ?? '' };
  }

  private rejectIncrementalKeys(materialized: Materialization): void {
    for (const key of INCREMENTAL_KEYS)
      if (this.raw[key] !== undefined)
        this.fail(
          `config '${key}' only applies to materialized='incremental' (this model is a ${materialized})`,
        );
  }
}

function isColumnList(value: unknown): value is ColumnList {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((k) => typeof k === 'string' && NAME_PATTERN.test(k))
  );
}
