import { ProjectError, type SourceLocation } from '../errors.js';
import type { Grain } from '../time/window.js';
import {
  ConfigValues,
  type ColumnList,
  type Materialization,
  type OnSchemaChange,
} from '../project/config-values.js';

export type { Materialization, OnSchemaChange } from '../project/config-values.js';

/** What every model's config has, whatever its kind. */
interface CommonConfig {
  readonly grain: Grain;
  /** First window's start (epoch ms), or undefined. */
  readonly start: number | undefined;
  readonly lookback: number;
  /**
   * Windows per transaction as set (`batch_size`); undefined: adaptive, consecutive windows
   * merged as the run goes, sized by how long their writes take.
   */
  readonly batchSize: number | undefined;
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

/** The keys that only incremental models may set. */
export const INCREMENTAL_KEYS = [
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
  /** Where a key's value was set when not in the model's own config() (folder config...). */
  setIn: (key: string) => string | undefined = () => undefined,
): { config: ModelConfig; errors: ProjectError[] } {
  const errors: ProjectError[] = [];
  const reader = new ConfigReader(raw, (key, message, hint) => {
    const origin = setIn(key);
    const hints = [hint, origin === undefined ? undefined : `${key} is set in ${origin}`];
    const joined = hints.filter((h) => h !== undefined).join('; ');
    errors.push(
      new ProjectError('E_MODEL_CONFIG', message, location, joined ? { hint: joined } : {}),
    );
  });
  return { config: reader.read(), errors };
}

/**
 * A config of its kind's part and the rest, field by field, in the order a spread of the two
 * gave (kind first): the spread made each object key by key, some 10 us a model, 10 ms of
 * `etl plan` of 1,000 models.
 */
function configOf(k: KindConfig, c: CommonConfig): ModelConfig {
  switch (k.kind) {
    case 'incremental_by_time':
      return {
        kind: k.kind,
        materialized: k.materialized,
        timeColumn: k.timeColumn,
        grain: c.grain,
        start: c.start,
        lookback: c.lookback,
        batchSize: c.batchSize,
        schema: c.schema,
        tags: c.tags,
        description: c.description,
        tests: c.tests,
        onSchemaChange: c.onSchemaChange,
      };
    case 'incremental_by_key':
      return {
        kind: k.kind,
        materialized: k.materialized,
        uniqueKey: k.uniqueKey,
        grain: c.grain,
        start: c.start,
        lookback: c.lookback,
        batchSize: c.batchSize,
        schema: c.schema,
        tags: c.tags,
        description: c.description,
        tests: c.tests,
        onSchemaChange: c.onSchemaChange,
      };
    default:
      return {
        kind: k.kind,
        materialized: k.materialized,
        grain: c.grain,
        start: c.start,
        lookback: c.lookback,
        batchSize: c.batchSize,
        schema: c.schema,
        tags: c.tags,
        description: c.description,
        tests: c.tests,
        onSchemaChange: c.onSchemaChange,
      } as ViewConfig | TableConfig;
  }
}

/** Reads one model's config keys, reporting each problem to `fail` and going on. */
class ConfigReader extends ConfigValues {
  /** The whole config. The keys are read in a fixed order: it is the order of the messages. */
  read(): ModelConfig {
    this.unknownKeys();
    const materialized = this.materialized();
    const grain = this.grain();
    const timeColumn = this.identifier('time_column');
    const schema = this.schema();
    const description = this.string('description');
    const onSchemaChange = this.onSchemaChange();
    const start = this.start();
    const uniqueKey = this.uniqueKey();
    const tags = this.tags();
    const tests = this.tests();
    this.enabled();
    const kind = this.kind(materialized, timeColumn, uniqueKey);
    return configOf(kind, {
      grain,
      start,
      lookback: this.count('lookback', 0, 0),
      batchSize:
        this.raw.batch_size === undefined || this.raw.batch_size === null
          ? undefined
          : this.count('batch_size', 1, 1),
      schema,
      tags,
      description,
      tests,
      onSchemaChange,
    });
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
        'materialized',
        `incremental model needs config time_column (windowed delete+insert) or unique_key (upsert by key)`,
      );
    if (timeColumn !== undefined && uniqueKey !== undefined)
      this.fail('unique_key', `incremental model sets both time_column and unique_key: choose one`);
    if (uniqueKey !== undefined && timeColumn === undefined)
      return { kind: 'incremental_by_key', materialized, uniqueKey };
    return { kind: 'incremental_by_time', materialized, timeColumn: timeColumn ?? '' };
  }

  private rejectIncrementalKeys(materialized: Materialization): void {
    for (const key of INCREMENTAL_KEYS)
      if (this.raw[key] !== undefined)
        this.fail(
          key,
          `config '${key}' only applies to materialized='incremental' (this model is a ${materialized})`,
        );
  }
}
