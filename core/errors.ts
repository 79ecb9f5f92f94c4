import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/** Where in a project file something went wrong. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line?: number | undefined;
  column?: number | undefined;
}

/** Exit codes of the CLI (DESIGN §6). */
export const ExitCode = { ok: 0, failed: 1, badInput: 2 } as const;

/** The one error base of etl: a stable code, an exit code, and an optional location. */
export class EtlError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly location: SourceLocation | undefined;
  readonly hint: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      /** Default: the catalogue's for the code. */
      exitCode?: number;
      location?: SourceLocation | undefined;
      hint?: string | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options.exitCode ?? ERROR_CODES[code].exit;
    this.location = options.location;
    this.hint = options.hint;
  }
}

/** A mistake in a project file: etl.yml, a model, a seed, a template. Exit code 2. */
export class ProjectError extends EtlError {
  constructor(
    code: ErrorCode,
    message: string,
    location?: SourceLocation,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, { exitCode: ExitCode.badInput, location, ...options });
  }
}

/** Several project mistakes found in one pass; all of them are reported. */
export class ProjectErrors extends EtlError {
  readonly errors: readonly EtlError[];
  constructor(errors: readonly EtlError[]) {
    const first = errors[0];
    super(
      first?.code ?? 'E_PROJECT',
      errors.length === 1 && first ? first.message : `${errors.length} errors in the project`,
      { exitCode: ExitCode.badInput, location: first?.location },
    );
    this.errors = errors;
  }
}

/** A bad command-line flag or argument. Exit code 2. */
export class UsageError extends EtlError {
  readonly flag: string | undefined;
  constructor(message: string, flag?: string, hint?: string) {
    super('E_USAGE', message, { exitCode: ExitCode.badInput, hint });
    this.flag = flag;
  }
}

/** A dependency cycle between models; `path` starts and ends with the same model. */
export class CycleError extends EtlError {
  readonly path: readonly string[];
  constructor(path: readonly string[], location?: SourceLocation) {
    super('E_CYCLE', `dependency cycle: ${path.join(' -> ')}`, { location });
    this.path = path;
  }
}

/** A `ref()` to a model or seed that does not exist. */
export class UnknownRefError extends EtlError {
  readonly model: string;
  readonly ref: string;
  readonly suggestions: readonly string[];
  constructor(
    model: string,
    ref: string,
    suggestions: readonly string[],
    location?: SourceLocation,
  ) {
    const hint = suggestions.length > 0 ? `did you mean '${suggestions[0]}'?` : undefined;
    super('E_UNKNOWN_REF', `model '${model}' refers to unknown model or seed '${ref}'`, {
      location,
      hint,
    });
    this.model = model;
    this.ref = ref;
    this.suggestions = suggestions;
  }
}

/** A failure while writing one model or window. Exit code 1. */
export class WindowError extends EtlError {
  readonly model: string;
  readonly window: string | undefined;
  readonly sql: string | undefined;
  constructor(
    code: ErrorCode,
    message: string,
    context: { model: string; window?: string; sql?: string; hint?: string; cause?: unknown },
  ) {
    super(code, message, { exitCode: ExitCode.failed, hint: context.hint, cause: context.cause });
    this.model = context.model;
    this.window = context.window;
    this.sql = context.sql;
  }
}

/** The warehouse is opened by another process. */
export class WarehouseInUseError extends EtlError {
  readonly pid: number | undefined;
  constructor(target: string, pid: number | undefined, cause?: unknown) {
    super(
      'E_WAREHOUSE_IN_USE',
      `warehouse in use by another process${pid === undefined ? '' : ` (pid ${pid})`}: ${target}`,
      { exitCode: ExitCode.failed, cause, hint: 'wait for the other etl process to finish' },
    );
    this.pid = pid;
  }
}

/** An error from the database engine that is not tied to one model. Exit code 1. */
export class EngineError extends EtlError {
  constructor(message: string, cause?: unknown) {
    super('E_ENGINE', message, { exitCode: ExitCode.failed, cause });
  }
}

/**
 * A failure of the machine rather than of the project (a file etl may not write, a full
 * disk, a damaged warehouse file) as an error a person can act on: its own code, the path,
 * and what to do. Undefined for anything else.
 */
export function environmentError(error: unknown, path: string): EtlError | undefined {
  const message = errorMessage(error);
  const said = message.split('\n')[0] ?? message;
  if (/no space left on device|ENOSPC|disk is full|could not (?:write|extend)/i.test(message))
    return new EtlError('E_DISK_FULL', `the disk of ${path} is full: ${said}`, {
      exitCode: ExitCode.failed,
      cause: error,
      hint: 'free space and rerun the same command: each window commits whole or not at all, so nothing was half-written, and the rerun skips what is done',
    });
  if (/permission denied|read-only file system|EACCES|EROFS|EPERM/i.test(message))
    return new EtlError('E_WAREHOUSE_READ_ONLY', `etl may not write ${path}: ${said}`, {
      exitCode: ExitCode.failed,
      cause: error,
      hint: 'writing commands need write access to the warehouse file and its folder (DuckDB keeps a .wal file beside it); status, plan, verify and test --warehouse only read it',
    });
  if (/Out of Memory Error|\bout of memory\b/i.test(message))
    return new EtlError('E_OUT_OF_MEMORY', `the engine ran out of memory: ${said}`, {
      exitCode: ExitCode.failed,
      cause: error,
      hint: 'DuckDB spills most work to disk, not all of it: raise ETL_DUCKDB_MEMORY_LIMIT (unset: 80% of RAM) or lower --threads; on PostgreSQL, work_mem or the server. Each window commits whole or not at all: rerun the same command',
    });
  if (
    /Connection terminated|terminating connection|not queryable|ECONNRESET|ECONNREFUSED|the database system is (?:shutting down|starting up)/i.test(
      message,
    )
  )
    return new EtlError('E_CONNECTION_LOST', `lost the connection to ${path}: ${said}`, {
      exitCode: ExitCode.failed,
      cause: error,
      hint: 'rerun the same command once the server is back: each window commits whole or not at all, so nothing was half-written, and the rerun skips what is done',
    });
  if (/corrupt|not a valid DuckDB database|checksum .* does not match|invalid block/i.test(message))
    return new EtlError('E_WAREHOUSE_CORRUPT', `the warehouse file ${path} is damaged: ${said}`, {
      exitCode: ExitCode.failed,
      cause: error,
      hint: 'restore it from a backup, or move it aside and rebuild: etl backfill over its range writes a new one (seeds are reloaded)',
    });
  return undefined;
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
