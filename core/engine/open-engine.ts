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
  // The PostgreSQL engine is being built: its statements and seeds are tested on a real
  // server, the commands around them (verify, many workers) not yet.
  if (process.env.ETL_EXPERIMENTAL_POSTGRES !== '1')
    throw new EtlError(
      'E_TARGET',
      `PostgreSQL targets are not supported yet (${redact(target.url)}); use duckdb:PATH`,
      {
        exitCode: ExitCode.badInput,
        hint: 'the PostgreSQL engine is being built; ETL_EXPERIMENTAL_POSTGRES=1 lets you try it, without verify',
      },
    );
  // A server has no read-only mode to ask for: commands that read only run SELECTs.
  const { openPostgres } = await import('./postgres.js');
  return openPostgres({ url: target.server, schema: target.schema }, redact(target.url));
}
