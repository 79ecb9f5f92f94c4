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
  // A server has no read-only mode to ask for: commands that read only run SELECTs.
  const { openPostgres } = await import('./postgres.js');
  return openPostgres({ url: target.server, schema: target.schema }, redact(target.url));
}
