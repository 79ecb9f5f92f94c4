import { ProjectError, type EtlError, type SourceLocation } from '../errors.js';
import { YamlFile } from '../util/yaml-file.js';
import { DBT_SCHEMA_IGNORED_KEYS } from './dbt-keys.js';
import { describeType, isRecord } from './config-check.js';
import { didYouMean } from '../util/suggest.js';
import { parseDay, parseInstant } from '../time/dates.js';
import {
  GENERIC_TESTS,
  TEST_ALIASES,
  describeRange,
  type DataTestSpec,
  type FixtureData,
  type FixtureInput,
  type GenericTestKind,
  type ModelDoc,
  type Severity,
  type UnitTestSpec,
} from './test-spec.js';

/** What the schema files of a project declare. */
export interface SchemaContents {
  readonly docs: ModelDoc[];
  readonly tests: DataTestSpec[];
  readonly unitTests: UnitTestSpec[];
}

type Path = (string | number)[];

/** What a data test's kind adds to it. */
type TestArgs = Partial<
  Pick<DataTestSpec, 'columns' | 'values' | 'to' | 'field' | 'expression' | 'range' | 'custom'>
>;

/** Every name a generic test may be given by. */
const TEST_NAMES = [...GENERIC_TESTS, ...Object.keys(TEST_ALIASES)];

/**
 * Parse dbt-style schema files (`models:` and `unit_tests:`). Every problem in every file is
 * collected, each at its file and line; unknown keys are named with a "did you mean".
 */
export function parseSchemaFiles(
  files: readonly { relPath: string; text: string }[],
  errors: EtlError[],
  /** The project's custom generic tests (`{% test name(...) %}`), by name. */
  customTests: ReadonlySet<string> = new Set(),
): SchemaContents {
  const out: SchemaContents = { docs: [], tests: [], unitTests: [] };
  for (const file of files) {
    let yaml: YamlFile;
    try {
      yaml = YamlFile.parseFile(file);
    } catch (error) {
      errors.push(error as EtlError);
      continue;
    }
    new SchemaReader(yaml, errors, out, customTests).read();
  }
  return out;
}

class SchemaReader {
  constructor(
    private readonly yaml: YamlFile,
    private readonly errors: EtlError[],
    private readonly out: SchemaContents,
    private readonly customTests: ReadonlySet<string>,
  ) {}

  private fail(message: string, path: Path, key = false): void {
    this.errors.push(new ProjectError('E_SCHEMA', message, this.yaml.locate(path, key)));
  }

  private at(path: Path): SourceLocation {
    return this.yaml.locate(path);
  }

  /** The mapping at `path`, its unknown keys reported; undefined when not a mapping. */
  private mapping(
    value: unknown,
    path: Path,
    allowed: readonly string[],
    what: string,
  ): Record<string, unknown> | undefined {
    if (!isRecord(value)) {
      this.fail(`${what} must be a mapping, got ${describeType(value)}`, path);
      return undefined;
    }
    for (const key of Object.keys(value))
      if (!allowed.includes(key))
        this.fail(
          `unknown key '${key}' in ${what}${didYouMean(key, allowed)}`,
          [...path, key],
          true,
        );
    return value;
  }

  private list(value: unknown, path: Path, what: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fail(`${what} must be a list, got ${describeType(value)}`, path);
      return [];
    }
    return value;
  }

  private string(value: unknown, path: Path, what: string, required = false): string | undefined {
    if (value === undefined || value === null) {
      if (required) this.fail(`${what} is required`, path.slice(0, -1));
      return undefined;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(`${what} must be a non-empty string, got ${describeType(value)}`, path);
      return undefined;
    }
    return value;
  }

  read(): void {
    const top = this.mapping(
      this.yaml.value ?? {},
      [],
      // `sources:` is read before models render (see schema-sources.ts).
      ['version', 'models', 'unit_tests', 'sources', ...DBT_SCHEMA_IGNORED_KEYS],
      this.yaml.file,
    );
    if (!top) return;
    this.list(top.models, ['models'], "'models'").forEach((m, i) => this.model(m, ['models', i]));
    this.list(top.unit_tests, ['unit_tests'], "'unit_tests'").forEach((u, i) =>
      this.unitTest(u, ['unit_tests', i]),
    );
  }

  private model(value: unknown, path: Path): void {
    const m = this.mapping(
      value,
      path,
      ['name', 'description', 'columns', 'tests', 'data_tests', 'config'],
      'a model entry',
    );
    if (!m) return;
    const name = this.string(m.name, [...path, 'name'], "a model entry's 'name'", true);
    if (name === undefined) return;
    const columns: { name: string; description: string | undefined }[] = [];
    this.list(m.columns, [...path, 'columns'], `columns of '${name}'`).forEach((c, i) => {
      const cp = [...path, 'columns', i];
      const col = this.mapping(
        c,
        cp,
        ['name', 'description', 'tests', 'data_tests', 'data_type', 'quote'],
        `a column of '${name}'`,
      );
      if (!col) return;
      const column = this.string(col.name, [...cp, 'name'], "a column's 'name'", true);
      if (column === undefined) return;
      columns.push({
        name: column,
        description: this.string(col.description, [...cp, 'description'], 'description'),
      });
      const key = col.tests !== undefined ? 'tests' : 'data_tests';
      this.list(col[key], [...cp, key], `tests of '${name}.${column}'`).forEach((t, j) =>
        this.test(t, [...cp, key, j], name, column),
      );
    });
    const key = m.tests !== undefined ? 'tests' : 'data_tests';
    this.list(m[key], [...path, key], `tests of '${name}'`).forEach((t, j) =>
      this.test(t, [...path, key, j], name, undefined),
    );
    this.out.docs.push({
      name,
      description: this.string(m.description, [...path, 'description'], 'description'),
      columns,
      location: this.at(path),
    });
  }

  private test(value: unknown, path: Path, model: string, column: string | undefined): void {
    const call = this.testCall(value, path);
    if (!call) return;
    const { kind, argPath } = call;
    const a = this.mapping(
      call.args,
      argPath,
      // A custom test takes whatever arguments its macro does.
      kind === 'custom' && isRecord(call.args)
        ? Object.keys(call.args)
        : ['severity', 'where', 'config', ...testKeys(kind, column)],
      `test '${call.name}'`,
    );
    if (!a) return;
    const config = this.testConfig(a.config, [...argPath, 'config'], call.name);
    if (!config || config.enabled === false) return;
    const from = (key: string): Path =>
      a[key] !== undefined ? [...argPath, key] : [...argPath, 'config', key];
    const severity = this.severity(a.severity ?? config.severity ?? 'error', from('severity'));
    const where = this.string(a.where ?? config.where, from('where'), "'where'");
    const named = a.column ?? a.column_name;
    const tested = column ?? (typeof named === 'string' ? named : undefined);
    const args = this.testArgs(kind, a, tested, path, argPath, call.name);
    if (!args) return;
    // dbt_utils' expression_is_true under a column tests `column expression`.
    const prefixed = call.name !== 'expression' && column !== undefined;
    const spec = {
      kind,
      model,
      column: tested,
      columns: undefined,
      values: undefined,
      to: undefined,
      field: undefined,
      expression: undefined,
      range: undefined,
      severity,
      where,
      location: this.at(path),
      ...args,
      ...(prefixed && args.expression ? { expression: `${column} ${args.expression}` } : {}),
    };
    this.out.tests.push({ ...spec, name: testName(spec) });
  }

  /**
   * A test entry's kind and arguments: a name alone, or a mapping of one name to its arguments
   * (a string for an expression). Undefined when it is neither or the name is unknown.
   */
  private testCall(
    value: unknown,
    path: Path,
  ): { kind: GenericTestKind; name: string; args: unknown; argPath: Path } | undefined {
    let name: string;
    let args: unknown;
    if (typeof value === 'string') [name, args] = [value, {}];
    else if (isRecord(value) && Object.keys(value).length === 1)
      [name, args] = Object.entries(value)[0]!;
    else {
      this.fail(
        `a test must be a name (e.g. not_null) or a mapping of one name to its arguments`,
        path,
      );
      return undefined;
    }
    const argPath = typeof value === 'string' ? path : [...path, name];
    const kind = (GENERIC_TESTS as readonly string[]).includes(name)
      ? (name as GenericTestKind)
      : Object.hasOwn(TEST_ALIASES, name)
        ? TEST_ALIASES[name]
        : this.customTests.has(name)
          ? 'custom'
          : undefined;
    if (kind === undefined) {
      const custom = [...this.customTests];
      this.fail(
        `unknown test '${name}'${didYouMean(name, [...TEST_NAMES, ...custom])}; generic tests are ${GENERIC_TESTS.join(', ')}${custom.length > 0 ? `, and this project's ${custom.join(', ')}` : ''} (define your own with {% test ${name}(model, column_name) %} in macros/)`,
        path,
      );
      return undefined;
    }
    if (kind === 'expression' && typeof args === 'string') args = { expression: args };
    if (args === null) args = {};
    return { kind, name, args, argPath };
  }

  /** A test's dbt-style `config:` (severity, where, enabled); undefined when broken. */
  private testConfig(
    value: unknown,
    path: Path,
    name: string,
  ): Record<string, unknown> | undefined {
    if (value === undefined || value === null) return {};
    const config = this.mapping(
      value,
      path,
      ['severity', 'where', 'enabled', 'tags', 'meta'],
      `the config of test '${name}'`,
    );
    if (config && config.enabled !== undefined && typeof config.enabled !== 'boolean') {
      this.fail(`'enabled' must be true or false`, [...path, 'enabled']);
      return undefined;
    }
    return config;
  }

  private severity(value: unknown, path: Path): Severity {
    const lower = typeof value === 'string' ? value.toLowerCase() : value;
    if (lower === 'warn' || lower === 'error') return lower;
    this.fail(`severity must be 'warn' or 'error', got ${JSON.stringify(value)}`, path);
    return 'error';
  }

  /**
   * What a test takes from its arguments `a`, by kind; `column` is the column it tests, if any.
   * Undefined when they are wrong (reported).
   */
  private testArgs(
    kind: GenericTestKind,
    a: Record<string, unknown>,
    column: string | undefined,
    path: Path,
    argPath: Path,
    name = '',
  ): TestArgs | undefined {
    if (COLUMN_TESTS.includes(kind) && column === undefined && kind !== 'unique') {
      this.fail(`${kind} needs a column: put it under the column, or give 'column_name'`, path);
      return undefined;
    }
    if (MODEL_TESTS.includes(kind) && column !== undefined) {
      this.fail(`${kind} is a model-level test: put it under the model's tests`, path);
      return undefined;
    }
    switch (kind) {
      case 'custom': {
        const args = Object.fromEntries(
          Object.entries(a).filter(
            ([k]) => !['severity', 'where', 'config', 'column_name', 'column'].includes(k),
          ),
        );
        const bad = Object.keys(args).find((k) => !/^[A-Za-z_]\w*$/.test(k));
        if (bad !== undefined) {
          this.fail(`argument '${bad}' is not a name a macro can take`, [...argPath, bad], true);
          return undefined;
        }
        return { custom: { test: name, args } };
      }
      case 'not_null':
      case 'not_empty':
        return {};
      case 'unique':
        return column !== undefined ? {} : this.uniqueColumns(a.columns, path);
      case 'accepted_values':
        if (Array.isArray(a.values) && a.values.length > 0)
          return { values: a.values as unknown[] };
        this.fail(`accepted_values needs 'values', a non-empty list`, argPath);
        return undefined;
      case 'relationships':
        return this.relationshipsArgs(a, argPath);
      case 'expression': {
        const expression = this.string(
          a.expression,
          [...argPath, 'expression'],
          "'expression'",
          true,
        );
        return expression === undefined ? undefined : { expression };
      }
      case 'unique_combination_of_columns':
        return this.combination(a, argPath);
      case 'accepted_range':
        return this.range(a, argPath);
    }
  }

  /** A model-level `unique`: the columns whose combination must be unique. */
  private uniqueColumns(cols: unknown, path: Path): TestArgs | undefined {
    if (Array.isArray(cols) && cols.length > 0 && cols.every((c) => typeof c === 'string'))
      return { columns: cols };
    this.fail(`unique needs a column: put it under the column, or give 'columns' (a list)`, path);
    return undefined;
  }

  /** unique_combination_of_columns: `combination_of_columns`, a list of columns. */
  private combination(a: Record<string, unknown>, argPath: Path): TestArgs | undefined {
    const cols = a.combination_of_columns;
    if (a.quote_columns !== undefined && typeof a.quote_columns !== 'boolean')
      this.fail(`'quote_columns' must be true or false`, [...argPath, 'quote_columns']);
    if (
      Array.isArray(cols) &&
      cols.length > 0 &&
      cols.every((c) => typeof c === 'string' && c.trim() !== '')
    )
      return { columns: cols };
    this.fail(
      `unique_combination_of_columns needs 'combination_of_columns', a non-empty list of column names`,
      cols === undefined ? argPath : [...argPath, 'combination_of_columns'],
    );
    return undefined;
  }

  /** accepted_range: `min_value` and/or `max_value` (SQL, as in dbt_utils), `inclusive`. */
  private range(a: Record<string, unknown>, argPath: Path): TestArgs | undefined {
    if (a.min_value === undefined && a.max_value === undefined) {
      this.fail(`accepted_range needs 'min_value' or 'max_value' (or both)`, argPath);
      return undefined;
    }
    const min = this.bound(a.min_value, [...argPath, 'min_value']);
    const max = this.bound(a.max_value, [...argPath, 'max_value']);
    const inclusive = a.inclusive ?? true;
    if (typeof inclusive !== 'boolean')
      this.fail(`'inclusive' must be true or false`, [...argPath, 'inclusive']);
    else if (min !== null && max !== null) {
      if (
        typeof a.min_value === 'number' &&
        typeof a.max_value === 'number' &&
        a.min_value > a.max_value
      )
        this.fail(
          `accepted_range: min_value ${a.min_value} is greater than max_value ${a.max_value}`,
          argPath,
        );
      else return { range: { min, max, inclusive } };
    }
    return undefined;
  }

  /** A bound of accepted_range as SQL: undefined when not given, null when wrong (reported). */
  private bound(value: unknown, path: Path): string | undefined | null {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'string' && value.trim() !== '') return value;
    if (value instanceof Date) {
      const iso = value.toISOString();
      return iso.endsWith('T00:00:00.000Z')
        ? `DATE '${iso.slice(0, 10)}'`
        : `TIMESTAMP '${iso.slice(0, 19).replace('T', ' ')}'`;
    }
    this.fail(
      `${String(path[path.length - 1])} must be a number or a SQL expression (a string), got ${describeType(value)}`,
      path,
    );
    return null;
  }

  /** `to` (a model or seed, also as `ref('name')`) and `field`, its column. */
  private relationshipsArgs(a: Record<string, unknown>, argPath: Path): TestArgs | undefined {
    const to = this.string(a.to, [...argPath, 'to'], "relationships 'to'", true);
    const field = this.string(a.field, [...argPath, 'field'], "relationships 'field'", true);
    if (to === undefined || field === undefined) return undefined;
    const ref = /^ref\(\s*['"]([^'"]+)['"]\s*\)$/.exec(to.trim());
    return { to: ref ? ref[1] : to.trim(), field };
  }

  private unitTest(value: unknown, path: Path): void {
    const u = this.mapping(
      value,
      path,
      ['name', 'model', 'description', 'window', 'is_incremental', 'given', 'expect'],
      'a unit test',
    );
    if (!u) return;
    const name = this.string(u.name, [...path, 'name'], "a unit test's 'name'", true);
    const model = this.string(
      u.model,
      [...path, 'model'],
      `unit test '${name ?? '?'}': 'model'`,
      true,
    );
    if (name === undefined || model === undefined) return;
    const at =
      u.window === undefined ? undefined : this.unitWindow(u.window, [...path, 'window'], name);
    const given = this.fixtureInputs(u.given, [...path, 'given'], name);
    const expected = this.expected(u.expect, [...path, 'expect'], name);
    if (!expected) return;
    const isIncremental = u.is_incremental === true;
    if (u.is_incremental !== undefined && typeof u.is_incremental !== 'boolean')
      this.fail(`unit test '${name}': is_incremental must be true or false`, [
        ...path,
        'is_incremental',
      ]);
    this.out.unitTests.push({
      name,
      model,
      at,
      isIncremental,
      given,
      expect: expected,
      description: this.string(u.description, [...path, 'description'], 'description'),
      location: this.at(path),
    });
  }

  /** A unit test's `window`: an instant inside the window to render (a day or a start). */
  private unitWindow(value: unknown, path: Path, name: string): number | undefined {
    const w = this.mapping(value, path, ['date', 'start'], `unit test '${name}': window`);
    if (!w) return undefined;
    const raw = w.date ?? w.start;
    const text = raw instanceof Date ? raw.toISOString().slice(0, 10) : String(raw);
    const at = w.date !== undefined ? parseDay(text, 0) : parseInstant(text);
    if (at === undefined || (w.date === undefined && w.start === undefined))
      this.fail(
        `unit test '${name}': window needs date: YYYY-MM-DD or start: 'YYYY-MM-DD HH:MM'`,
        path,
      );
    return at;
  }

  /** A unit test's `given`: its inputs, each with its fixture; broken ones are left out. */
  private fixtureInputs(value: unknown, path: Path, name: string): FixtureInput[] {
    const given: FixtureInput[] = [];
    this.list(value, path, `unit test '${name}': given`).forEach((g, i) => {
      const gp = [...path, i];
      const entry = this.mapping(
        g,
        gp,
        ['input', 'rows', 'csv', 'seed', 'format'],
        `an input of unit test '${name}'`,
      );
      if (!entry) return;
      const input = this.input(
        this.string(entry.input, [...gp, 'input'], "an input's 'input'", true),
        [...gp, 'input'],
      );
      const data = this.data(entry, gp, `input ${i + 1} of unit test '${name}'`, true);
      if (input && data) given.push({ input, data, location: this.at(gp) });
    });
    return given;
  }

  /** A unit test's `expect`: rows or CSV (not a seed). */
  private expected(value: unknown, path: Path, name: string): FixtureData | undefined {
    const entry = this.mapping(
      value,
      path,
      ['rows', 'csv', 'format'],
      `unit test '${name}': expect`,
    );
    return entry ? this.data(entry, path, `expect of unit test '${name}'`, false) : undefined;
  }

  private input(text: string | undefined, path: Path): FixtureInput['input'] | undefined {
    if (text === undefined) return undefined;
    const t = text.trim();
    if (t === 'this') return { kind: 'this' };
    const ref = /^ref\(\s*['"]([^'"]+)['"]\s*\)$/.exec(t);
    if (ref) return { kind: 'ref', name: ref[1]! };
    const source = /^source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)$/.exec(t);
    if (source) return { kind: 'source', group: source[1]!, name: source[2]! };
    this.fail(`input must be ref('model'), source('group', 'name') or this, got '${t}'`, path);
    return undefined;
  }

  private data(
    entry: Record<string, unknown>,
    path: Path,
    what: string,
    allowSeed: boolean,
  ): FixtureData | undefined {
    const given = ['rows', 'csv', ...(allowSeed ? ['seed'] : [])].filter(
      (k) => entry[k] !== undefined,
    );
    if (given.length !== 1) {
      this.fail(
        `${what} needs exactly one of ${allowSeed ? 'rows, csv or seed' : 'rows or csv'}`,
        path,
      );
      return undefined;
    }
    if (entry.rows !== undefined) {
      const rows = this.list(entry.rows, [...path, 'rows'], `${what}: rows`);
      if (!rows.every(isRecord)) {
        this.fail(`${what}: each row must be a mapping of column to value`, [...path, 'rows']);
        return undefined;
      }
      return { rows: rows.map((r) => normalizeRow(r)) };
    }
    if (entry.csv !== undefined) {
      const csv = this.string(entry.csv, [...path, 'csv'], `${what}: csv`);
      return csv === undefined ? undefined : { csv };
    }
    const seed = this.string(entry.seed, [...path, 'seed'], `${what}: seed`);
    return seed === undefined ? undefined : { seed };
  }
}

/** Tests of one column: at model level they name it with `column_name` (or `column`). */
const COLUMN_TESTS: readonly GenericTestKind[] = [
  'not_null',
  'unique',
  'accepted_values',
  'relationships',
  'accepted_range',
];

/** Tests of a whole model, never under a column. */
const MODEL_TESTS: readonly GenericTestKind[] = ['unique_combination_of_columns', 'not_empty'];

/** The arguments a kind of test takes besides severity, where and config. */
function testKeys(kind: GenericTestKind, column: string | undefined): string[] {
  const named =
    column === undefined && COLUMN_TESTS.includes(kind) ? ['column', 'column_name'] : [];
  const extra: Record<GenericTestKind, string[]> = {
    not_null: [],
    unique: column ? [] : ['columns'],
    accepted_values: ['values', 'quote'],
    relationships: ['to', 'field'],
    expression: ['expression'],
    unique_combination_of_columns: ['combination_of_columns', 'quote_columns'],
    accepted_range: ['min_value', 'max_value', 'inclusive'],
    not_empty: [],
    custom: [],
  };
  return [...extra[kind], ...named];
}

/**
 * A data test's name, e.g. `not_null(orders.id)`, `expression(orders: amount > 0)`,
 * `relationships(orders.customer_id -> customers.id)` or `accepted_range(orders.amount: >= 0)`.
 */
function testName(spec: Omit<DataTestSpec, 'name'>): string {
  const target = spec.column ?? spec.columns?.join(', ');
  const what =
    spec.kind === 'expression'
      ? (spec.expression ?? '')
      : spec.range
        ? describeRange(spec.range, ', ')
        : '';
  const to = spec.to === undefined ? '' : ` -> ${spec.to}.${spec.field ?? ''}`;
  const detail = `${to}${what === '' ? '' : `: ${what}`}${spec.where ? ` where ${spec.where}` : ''}`;
  const kind = spec.kind === 'custom' ? (spec.custom?.test ?? 'custom') : spec.kind;
  return `${kind}(${spec.model}${target ? `.${target}` : ''}${detail})`;
}

/** YAML may give Date objects for timestamps; keep them as ISO text for SQL casts. */
function normalizeRow(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      v instanceof Date
        ? v
            .toISOString()
            .replace('T', ' ')
            .replace(/\.000Z$|Z$/, '')
        : v,
    ]),
  );
}
