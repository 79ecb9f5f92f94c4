import { ProjectError, type EtlError, type SourceLocation } from '../errors.js';
import { YamlFile } from '../util/yaml-file.js';
import { didYouMean } from '../util/suggest.js';
import { describeType, isRecord } from './config-check.js';
import type { ProjectConfig, SourceDef } from './project.js';

/** How old a source's newest row may be before `etl source freshness` warns or fails. */
export interface Freshness {
  /** Milliseconds; undefined: no such threshold. */
  readonly warnAfter: number | undefined;
  readonly errorAfter: number | undefined;
  /** A SQL condition the freshness query filters rows by (dbt's `filter`). */
  readonly filter: string | undefined;
}

/** A source as templates, `dag`, selection and `etl source freshness` see it. */
export interface DeclaredSource {
  readonly group: string;
  readonly name: string;
  readonly def: SourceDef;
  readonly description: string | undefined;
  /** The column that tells when a row arrived (dbt's `loaded_at_field`). */
  readonly loadedAtField: string | undefined;
  readonly freshness: Freshness | undefined;
  /** Where it is declared. */
  readonly at: SourceLocation;
}

const PERIODS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const SOURCE_KEYS = [
  'name',
  'description',
  'schema',
  'database',
  'loader',
  'loaded_at_field',
  'freshness',
  'tables',
  'meta',
  'tags',
  'config',
  'quoting',
];
const TABLE_KEYS = [
  'name',
  'description',
  'identifier',
  'loaded_at_field',
  'freshness',
  'columns',
  'meta',
  'tags',
  'config',
  'quoting',
  'external',
  'tests',
  'data_tests',
];

/**
 * Every source of a project, `group.name` → its declaration: etl.yml's `sources:` and dbt-style
 * `sources:` lists in schema files (`schema` + `identifier` name the table; `freshness` with
 * `loaded_at_field`). One declared twice is an error at the second place.
 */
export function declaredSources(
  config: ProjectConfig,
  configFile: string,
  schemaFiles: readonly { relPath: string; text: string }[],
  errors: EtlError[],
): Map<string, DeclaredSource> {
  const all = new Map<string, DeclaredSource>();
  const add = (s: DeclaredSource): void => {
    const key = `${s.group}.${s.name}`;
    const before = all.get(key);
    if (before)
      errors.push(
        new ProjectError(
          'E_SCHEMA',
          `source '${key}' is declared twice: also at ${before.at.file}${before.at.line ? `:${before.at.line}` : ''}`,
          s.at,
        ),
      );
    else all.set(key, s);
  };
  for (const [group, defs] of Object.entries(config.sources))
    for (const [name, def] of Object.entries(defs))
      add({
        group,
        name,
        def,
        description: undefined,
        loadedAtField: undefined,
        freshness: undefined,
        at: { file: configFile },
      });
  for (const file of schemaFiles) {
    if (!/^\s*sources\s*:/m.test(file.text)) continue;
    let yaml: YamlFile;
    try {
      yaml = YamlFile.parseFile(file);
    } catch {
      continue; // the schema file reader reports it
    }
    new SourceReader(yaml, errors).read().forEach(add);
  }
  return all;
}

class SourceReader {
  constructor(
    private readonly yaml: YamlFile,
    private readonly errors: EtlError[],
  ) {}

  private fail(message: string, path: (string | number)[], key = false): void {
    this.errors.push(new ProjectError('E_SCHEMA', message, this.yaml.locate(path, key)));
  }

  read(): DeclaredSource[] {
    const top = this.yaml.value;
    if (!isRecord(top) || top.sources === undefined || top.sources === null) return [];
    if (!Array.isArray(top.sources)) {
      this.fail(`'sources' must be a list, got ${describeType(top.sources)}`, ['sources']);
      return [];
    }
    return top.sources.flatMap((g, i) => this.group(g, ['sources', i]));
  }

  private group(value: unknown, path: (string | number)[]): DeclaredSource[] {
    if (!this.known(value, path, SOURCE_KEYS, 'a source entry')) return [];
    const group = value.name;
    if (typeof group !== 'string' || group.trim() === '') {
      this.fail(`a source entry needs a 'name' (its group, as in source('raw', ...))`, path);
      return [];
    }
    const schema = typeof value.schema === 'string' ? value.schema : group;
    const loadedAt = this.str(value.loaded_at_field, [...path, 'loaded_at_field']);
    const freshness = this.freshness(value.freshness, [...path, 'freshness']);
    if (!Array.isArray(value.tables)) {
      this.fail(`source '${group}' needs 'tables', a list of { name }`, path);
      return [];
    }
    return value.tables.flatMap((t, j): DeclaredSource[] => {
      const at = [...path, 'tables', j];
      if (!this.known(t, at, TABLE_KEYS, `a table of source '${group}'`)) return [];
      const name = t.name;
      if (typeof name !== 'string' || name.trim() === '') {
        this.fail(`a table of source '${group}' needs a 'name'`, at);
        return [];
      }
      const identifier = this.str(t.identifier, [...at, 'identifier']) ?? name;
      // An explicit `freshness: null` on a table turns the group's off, as in dbt.
      const own = t.freshness === null ? null : this.freshness(t.freshness, [...at, 'freshness']);
      return [
        {
          group,
          name,
          def: { table: `${schema}.${identifier}` },
          description: typeof t.description === 'string' ? t.description : undefined,
          loadedAtField: this.str(t.loaded_at_field, [...at, 'loaded_at_field']) ?? loadedAt,
          freshness: own === null ? undefined : (own ?? freshness),
          at: this.yaml.locate(at),
        },
      ];
    });
  }

  private known(
    value: unknown,
    path: (string | number)[],
    allowed: readonly string[],
    what: string,
  ): value is Record<string, unknown> {
    if (!isRecord(value)) {
      this.fail(`${what} must be a mapping, got ${describeType(value)}`, path);
      return false;
    }
    for (const key of Object.keys(value))
      if (!allowed.includes(key))
        this.fail(
          `unknown key '${key}' in ${what}${didYouMean(key, allowed)}`,
          [...path, key],
          true,
        );
    return true;
  }

  private str(value: unknown, path: (string | number)[]): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string' && value.trim() !== '') return value;
    this.fail(`must be a non-empty string, got ${describeType(value)}`, path);
    return undefined;
  }

  private freshness(value: unknown, path: (string | number)[]): Freshness | undefined {
    if (value === undefined || value === null) return undefined;
    if (!this.known(value, path, ['warn_after', 'error_after', 'filter'], "'freshness'"))
      return undefined;
    return {
      warnAfter: this.after(value.warn_after, [...path, 'warn_after']),
      errorAfter: this.after(value.error_after, [...path, 'error_after']),
      filter: this.str(value.filter, [...path, 'filter']),
    };
  }

  /** `{count: 12, period: hour}` in milliseconds. */
  private after(value: unknown, path: (string | number)[]): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (!this.known(value, path, ['count', 'period'], 'a freshness threshold')) return undefined;
    const { count, period } = value;
    const ms = typeof period === 'string' ? PERIODS[period] : undefined;
    if (typeof count !== 'number' || !Number.isInteger(count) || count <= 0) {
      this.fail(`'count' must be a positive whole number, got ${describeType(count)}`, [
        ...path,
        'count',
      ]);
      return undefined;
    }
    if (ms === undefined) {
      this.fail(
        `'period' must be minute, hour or day, got ${describeType(period)}${typeof period === 'string' ? didYouMean(period, Object.keys(PERIODS)) : ''}`,
        [...path, 'period'],
      );
      return undefined;
    }
    return count * ms;
  }
}
