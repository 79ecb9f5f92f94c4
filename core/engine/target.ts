import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { EtlError, ExitCode } from '../errors.js';

/** Where a project's warehouse lives. */
export type Target =
  | { readonly kind: 'duckdb'; readonly path: string; readonly url: string }
  | {
      readonly kind: 'postgres';
      readonly url: string;
      /** The URL the driver connects with: without etl's own `schema` parameter. */
      readonly server: string;
      /** The schema models go to when they set none (`?schema=`, default `public`). */
      readonly schema: string;
    };

/** The target used when neither flag, environment nor etl.yml names one. */
export const DEFAULT_TARGET = 'duckdb:warehouse.duckdb';

/**
 * Parse a target URL: `duckdb:PATH` (relative to the project), `duckdb::memory:`, or
 * `postgres://user:pass@host:port/db`.
 */
export function parseTarget(url: string, projectRoot: string, origin = 'target'): Target {
  if (url.startsWith('duckdb:')) {
    const rest = url.slice('duckdb:'.length);
    if (rest === '') throw badTarget(url, origin, 'a DuckDB target needs a path: duckdb:PATH');
    if (rest === ':memory:') return { kind: 'duckdb', path: ':memory:', url };
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

function badTarget(url: string, origin: string, why: string): EtlError {
  return new EtlError('E_TARGET', `bad ${origin} '${redact(url)}': ${why}`, {
    exitCode: ExitCode.badInput,
  });
}

/** A target URL with any password replaced by `***`, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/, '$1***@');
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
  return target.kind === 'duckdb' && target.path !== ':memory:' && !existsSync(target.path);
}
