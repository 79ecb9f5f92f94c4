import { ExitCode, UsageError, errorMessage } from '../errors.js';
import { openEngine } from '../engine/open-engine.js';
import type { Connection } from '../engine/adapter.js';
import type { DeclaredSource } from '../project/schema-sources.js';
import { quoteIdent, subquery } from '../util/sql.js';
import { didYouMean } from '../util/suggest.js';
import { openProject, type ProjectOptions } from './open-project.js';

/** The freshness of one source: how old its newest row is against its thresholds. */
export interface SourceFreshness {
  /** `group.name`. */
  readonly source: string;
  readonly status: 'pass' | 'warn' | 'error' | 'runtime_error';
  /** The newest `loaded_at_field` value, epoch ms; undefined when the table is empty. */
  readonly maxLoadedAt: number | undefined;
  /** Milliseconds between it and now. */
  readonly age: number | undefined;
  readonly warnAfter: number | undefined;
  readonly errorAfter: number | undefined;
  /** What went wrong, for `runtime_error` (and why an empty table fails). */
  readonly error?: string;
}

/** Options of {@link sourceFreshness}. */
export interface FreshnessOptions extends ProjectOptions {
  /** `group`, `group.name` or `group.*`; empty: every source with a freshness rule. */
  readonly select?: readonly string[];
}

/**
 * `etl source freshness` (dbt's): for each source with `freshness` and `loaded_at_field`, the
 * age of its newest row against `warn_after`/`error_after`. Reads only.
 */
export async function sourceFreshness(options: FreshnessOptions): Promise<SourceFreshness[]> {
  const { compiled } = openProject(options);
  const sources = chooseSources(compiled.sources, options.select ?? []);
  if (sources.length === 0) return [];
  const engine = await openEngine(compiled.target, { readOnly: true });
  try {
    const conn = await engine.connect();
    try {
      const now = (options.clock ?? Date.now)();
      const results: SourceFreshness[] = [];
      for (const source of sources) results.push(await checkOne(conn, source, now));
      return results;
    } finally {
      await conn.close();
    }
  } finally {
    await engine.close();
  }
}

/** The sources a selection names that have a freshness rule; a named one without is an error. */
function chooseSources(
  all: ReadonlyMap<string, DeclaredSource>,
  select: readonly string[],
): DeclaredSource[] {
  const checkable = (s: DeclaredSource) => s.freshness !== undefined;
  const terms = select
    .flatMap((s) => s.split(/\s+/))
    .filter((t) => t !== '')
    .map((t) => t.replace(/^source:/, ''));
  if (terms.length === 0) return [...all.values()].filter(checkable);
  const chosen = new Map<string, DeclaredSource>();
  for (const term of terms) {
    const [group, name] = term.split('.', 2) as [string, string | undefined];
    const found = [...all.values()].filter(
      (s) => s.group === group && (name === undefined || name === '*' || s.name === name),
    );
    if (found.length === 0)
      throw new UsageError(
        `no source '${term}'${didYouMean(term, [...all.keys()])}`,
        '--select',
        'sources are declared under sources: in etl.yml or a schema file',
      );
    for (const s of found)
      if (checkable(s) || name !== undefined) chosen.set(`${s.group}.${s.name}`, s);
  }
  const missing = [...chosen.values()].filter((s) => !checkable(s));
  if (missing.length > 0)
    throw new UsageError(
      `source ${missing.map((s) => `'${s.group}.${s.name}'`).join(', ')} has no freshness rule`,
      '--select',
      'give it freshness: {warn_after: {count: 12, period: hour}} and loaded_at_field in its schema file',
    );
  return [...chosen.values()];
}

async function checkOne(
  conn: Connection,
  s: DeclaredSource,
  now: number,
): Promise<SourceFreshness> {
  const base = {
    source: `${s.group}.${s.name}`,
    warnAfter: s.freshness?.warnAfter,
    errorAfter: s.freshness?.errorAfter,
  };
  if (s.loadedAtField === undefined)
    return {
      ...base,
      status: 'runtime_error',
      maxLoadedAt: undefined,
      age: undefined,
      error: `source '${base.source}' has a freshness rule but no loaded_at_field`,
    };
  if (!('table' in s.def))
    return {
      ...base,
      status: 'runtime_error',
      maxLoadedAt: undefined,
      age: undefined,
      error: `source '${base.source}' reads files: freshness is checked on tables`,
    };
  const relation = s.def.table.split('.').map(quoteIdent).join('.');
  const where = s.freshness?.filter === undefined ? '' : ` where ${s.freshness.filter}`;
  // As text, which both engines print the same way for timestamps with or without a zone.
  const sql = `select cast(max(${s.loadedAtField}) as varchar) as max_loaded_at from ${subquery(`select * from ${relation}${where}`)} as src`;
  let text: unknown;
  try {
    text = (await conn.query(sql))[0]?.max_loaded_at;
  } catch (error) {
    return {
      ...base,
      status: 'runtime_error',
      maxLoadedAt: undefined,
      age: undefined,
      error: errorMessage(error),
    };
  }
  if (text === null || text === undefined)
    return {
      ...base,
      status: s.freshness?.errorAfter !== undefined ? 'error' : 'warn',
      maxLoadedAt: undefined,
      age: undefined,
      error: `no rows${where === '' ? '' : ' match the filter'}: nothing was ever loaded`,
    };
  const maxLoadedAt = parseTimestamp(String(text));
  if (maxLoadedAt === undefined)
    return {
      ...base,
      status: 'runtime_error',
      maxLoadedAt: undefined,
      age: undefined,
      error: `loaded_at_field '${s.loadedAtField}' is not a timestamp: its newest value is '${String(text)}'`,
    };
  const age = now - maxLoadedAt;
  const status =
    base.errorAfter !== undefined && age > base.errorAfter
      ? 'error'
      : base.warnAfter !== undefined && age > base.warnAfter
        ? 'warn'
        : 'pass';
  return { ...base, status, maxLoadedAt, age };
}

/** `2024-01-15 10:00:00[.123][+00[:00]]` or a date; a time without a zone is UTC. */
function parseTimestamp(text: string): number | undefined {
  const m =
    /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(
      text.trim(),
    );
  if (!m) return undefined;
  let zone = m[3] ?? 'Z';
  if (/^[+-]\d{2}$/.test(zone)) zone += ':00';
  else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}${zone}`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The exit code of a freshness check: 1 when any source is past error_after or failed. */
export function freshnessExitCode(results: readonly SourceFreshness[]): number {
  return results.some((r) => r.status === 'error' || r.status === 'runtime_error')
    ? ExitCode.failed
    : ExitCode.ok;
}
