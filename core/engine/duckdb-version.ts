import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as DuckDBApi from '@duckdb/node-api';

/**
 * The DuckDB library's version (`v1.5.6`), from the driver's package (`@duckdb/node-api`
 * 1.5.6-r.1 wraps DuckDB 1.5.6; `-r.N` is the driver's own revision): reading it costs a file,
 * where loading the driver's native library to ask it costs 150 ms of `etl --version`. A
 * package whose version does not read so is asked the library itself.
 */
export function duckdbVersion(): string {
  try {
    const entry = createRequire(import.meta.url).resolve('@duckdb/node-api');
    for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
      if (!existsSync(join(dir, 'package.json'))) continue;
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name !== '@duckdb/node-api') continue;
      const m = /^(\d+\.\d+\.\d+)(?:-r\.\d+)?$/.exec(pkg.version ?? '');
      if (m) return `v${m[1]}`;
      break;
    }
  } catch {
    // Not found as expected: ask the library.
  }
  // Required, not imported: the CLI's bundle runs from V8's code cache, where import() fails.
  const { version } = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDBApi;
  return version();
}
