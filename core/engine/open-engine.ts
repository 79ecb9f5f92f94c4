import { EtlError, ExitCode } from '../errors.js';
import type { Engine } from './adapter.js';
import { redact, type Target } from './target.js';

/** Open the engine of a target. Drivers are imported here, lazily, so start-up stays fast. */
export async function openEngine(
  target: Target,
  options: { readOnly?: boolean } = {},
): Promise<Engine> {
  if (target.kind === 'duckdb') {
    const { openDuckDB } = await import('./duckdb.js');
    return openDuckDB(target.path, redact(target.url), options);
  }
  throw new EtlError(
    'E_TARGET',
    `PostgreSQL targets are not supported yet (${redact(target.url)}); use duckdb:PATH`,
    { exitCode: ExitCode.badInput },
  );
}
