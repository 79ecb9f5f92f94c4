import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { EtlError, ExitCode } from '../errors.js';
import { suggest } from '../util/suggest.js';

/** Where a project's warehouse lives. */
export type Target = (
  | {
      readonly kind: 'duckdb';
      /** A local file (absolute), `:memory:`, or a URL DuckDB opens itself (`md:DB`). */
      readonly path: string;
      readonly url: string;
    }
  | {
      readonly kind: 'postgres';
      readonly url: string;
      /** The URL the driver connects with: without etl's own `schema` parameter. */
      readonly server: string;
      /** The schema models go to when they set none (`?schema=`, default `public`). */
      readonly schema: string;
    }
) & {
  /** The name it was chosen by (one of etl.yml's `targets`); undefined for a bare URL. */
  readonly name?: string;
};

/** The target used when neither flag, environment nor etl.yml names one. */
export const DEFAULT_TARGET = 'duckdb:warehouse.duckdb';

/** A name of etl.yml's `targets` (a URL has a `:`). */
export const TARGET_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * `duckdb:md:DB` and other URLs DuckDB opens itself: a scheme of two letters or more (so that
 * a Windows drive `C:` stays a path).
 */
const DUCKDB_URL = /^[A-Za-z][A-Za-z0-9+.-]+:/;

/**
 * Parse a target URL: `duckdb:PATH` (relative to the project), `duckdb::memory:`,
 * `duckdb:md:DB` (any `scheme:` after `duckdb:` is given to DuckDB as is), or
 * `postgres://user:pass@host:port/db`.
 */
export function parseTarget(url: string, projectRoot: string, origin = 'target'): Target {
  if (url.startsWith('duckdb:')) {
    const rest = url.slice('duckdb:'.length);
    if (rest === '') throw badTarget(url, origin, 'a DuckDB target needs a path: duckdb:PATH');
    if (rest === ':memory:') return { kind: 'duckdb', path: ':memory:', url };
    if (DUCKDB_URL.test(rest)) return { kind: 'duckdb', path: rest, url };
    const path = isAbsolute(rest) ? rest : resolve(projectRoot, rest);
    return { kind: 'duckdb', path, url };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badTarget(url, origin, 'not a valid URL');
    }
    if (parsed.hostname === '' || parsed.pathname.length <= 1)
      throw badTarget(url, origin, 'expected postgres://user:pass@host:port/db');
    const schema = parsed.searchParams.get('schema') ?? 'public';
    if (schema === '') throw badTarget(url, origin, '?schema= needs a schema name');
    parsed.searchParams.delete('schema');
    return { kind: 'postgres', url, server: parsed.toString(), schema };
  }
  throw badTarget(url, origin, 'expected duckdb:PATH, duckdb::memory: or postgres://...');
}

/**
 * A target given as a name of `targets` or as a URL (`--target`, ETL_TARGET, etl.yml's
 * `target`). A name that is not one of `targets` is an error listing them.
 */
export function chooseTarget(
  value: string,
  targets: Readonly<Record<string, string>>,
  projectRoot: string,
  origin = 'target',
): Target {
  const named = Object.hasOwn(targets, value) ? targets[value] : undefined;
  if (named !== undefined)
    return { ...parseTarget(named, projectRoot, `target '${value}'`), name: value };
  if (!TARGET_NAME.test(value)) return parseTarget(value, projectRoot, origin);
  const names = Object.keys(targets);
  const close = suggest(value, names, 1);
  throw new EtlError(
    'E_TARGET',
    `unknown target '${value}' (${origin})${close.length > 0 ? `: did you mean '${close[0]}'?` : ''}`,
    {
      exitCode: ExitCode.badInput,
      hint:
        names.length > 0
          ? `etl.yml's targets are: ${names.join(', ')}; or give a URL (duckdb:PATH, postgres://...)`
          : 'etl.yml defines no targets: give a URL (duckdb:PATH, postgres://...) or add targets: {NAME: URL} to etl.yml',
    },
  );
}

function badTarget(url: string, origin: string, why: string): EtlError {
  return new EtlError('E_TARGET', `bad ${origin} '${redactSecrets(url)}': ${why}`, {
    exitCode: ExitCode.badInput,
  });
}

/** A target URL with any password replaced by `***`, for messages and logs. */
export function redact(url: string): string {
  return url
    .replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/, '$1***@')
    .replace(/([?&](?:motherduck_token|token|password)=)[^&]*/gi, '$1***');
}

/**
 * Any text (a quoted line of a project file, say) with the passwords of URLs and of
 * `password=` settings in it replaced by `***`: secrets are never echoed.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s'"]*:)[^@\s'"]*@/gi, '$1***@')
    .replace(/(password\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&'"]+)/gi, '$1***');
}

/** The schema models go to when they set none. */
export function defaultSchema(target: Target): string {
  return target.kind === 'duckdb' ? 'main' : target.schema;
}

/**
 * A DuckDB file target whose file does not exist yet: read-only commands treat it as an
 * empty warehouse rather than create it by opening it.
 */
export function isMissingFile(target: Target): boolean {
  return isLocalFile(target) && !existsSync(target.path);
}

/** A DuckDB target stored in a local file (not `:memory:`, not a URL such as `md:DB`). */
export function isLocalFile(target: Target): target is Target & { kind: 'duckdb' } {
  return target.kind === 'duckdb' && target.path !== ':memory:' && isAbsolute(target.path);
}
