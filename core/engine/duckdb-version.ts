import { version } from '@duckdb/node-api';

/** The DuckDB library's version (`v1.5.6`), read from the driver without opening a database. */
export function duckdbVersion(): string {
  return version();
}
