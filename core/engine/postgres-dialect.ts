import { EtlError, ExitCode, errorMessage } from '../errors.js';
import { quoteString } from '../util/sql.js';
import type { Dialect } from './dialect.js';

const TWO_64 = '18446744073709551616::numeric';
const TWO_63 = '9223372036854775808::numeric';

/**
 * PostgreSQL's SQL. Content hashes are computed the same way as on DuckDB (a sum of 64-bit
 * row hashes plus the column names' salt, modulo 2^64) with md5 as the row hash: the values
 * differ from DuckDB's, and are stable on one engine, which is what the ledger compares.
 */
export const POSTGRES: Dialect = {
  name: 'postgres',
  readsFiles: false,
  columnType: postgresType,
  epochMs: (timestamp) => `(extract(epoch from ${timestamp}) * 1000)::bigint`,
  windowKey: (expr, grain) =>
    `(extract(epoch from date_trunc('${grain}', (${expr})::timestamp)) * 1000)::bigint`,
  rowHashSum: (alias) =>
    `sum(('x' || substr(md5((${alias})::text), 1, 16))::bit(64)::bigint::numeric)`,
  hashHex: (value) => {
    const m = `(((((${value})::numeric % ${TWO_64}) + ${TWO_64}) % ${TWO_64}))`;
    return `lpad(to_hex((CASE WHEN ${m} >= ${TWO_63} THEN ${m} - ${TWO_64} ELSE ${m} END)::bigint), 16, '0')`;
  },
  // A volatile function, so that the planner does not raise it while folding constants.
  guard: (condition, message) =>
    `CASE WHEN ${condition} THEN true ELSE etl_state.etl_raise('${message.replace(/'/g, "''")}') END`,
  newestPerKey: (source, key, order) =>
    `SELECT DISTINCT ON (${key}) * FROM ${source} AS etl_n ORDER BY ${key}, ${order} DESC`,
  packRow: (columns) => `ROW(${columns})`,
  concatWs: (separator, parts) => `concat_ws(${separator}, ${parts.join(', ')})`,
  textAgg: (expr, separator, order) => `string_agg(${expr}, ${separator} ORDER BY ${order})`,
  attachReadOnly: () => {
    throw unsupported('verifying against another database file');
  },
  readFile: () => {
    throw unsupported('sources with a path:');
  },
  exportCsv: () => {
    throw unsupported('writing CSV files in the server');
  },
  readCsvAsText: () => {
    throw unsupported('reading CSV files in the server');
  },
  readSeed: () => {
    throw unsupported('reading CSV files in the server');
  },
  csvError: (message) => ({ line: undefined, reason: message }),
  sequenceExists: (schema, name) =>
    `SELECT 1 FROM information_schema.sequences WHERE sequence_schema = ${quoteString(schema)} AND sequence_name = ${quoteString(name)}`,
  rowId: 'ctid',
  // Many processes write one database: a step's windows (or its relation) are its own
  // until it commits.
  stepLock: (key) => `SELECT pg_advisory_xact_lock(hashtextextended(${quoteString(key)}, 0))`,
  setup: {
    check: `SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'etl_state' AND p.proname = 'etl_raise'`,
    statements: [
      `CREATE OR REPLACE FUNCTION etl_state.etl_raise(message text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$ BEGIN RAISE EXCEPTION '%', message; END $$`,
    ],
  },
  sampleAsText: (query, limit) => `SELECT * FROM (\n${query}\n) AS etl_s LIMIT ${limit}`,
  isTransient: postgresTransient,
};

/** DuckDB's type names (of a sniffed seed) as PostgreSQL's. */
const TYPES: Readonly<Record<string, string>> = {
  BIGINT: 'bigint',
  INTEGER: 'integer',
  SMALLINT: 'smallint',
  TINYINT: 'smallint',
  UTINYINT: 'smallint',
  USMALLINT: 'integer',
  UINTEGER: 'bigint',
  UBIGINT: 'numeric',
  HUGEINT: 'numeric',
  DOUBLE: 'double precision',
  FLOAT: 'real',
  VARCHAR: 'text',
  BOOLEAN: 'boolean',
  DATE: 'date',
  TIME: 'time',
  TIMESTAMP: 'timestamp',
  'TIMESTAMP WITH TIME ZONE': 'timestamptz',
  INTERVAL: 'interval',
  UUID: 'uuid',
  BLOB: 'bytea',
};

function postgresType(duckdbType: string): string {
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/i.exec(duckdbType);
  if (decimal) return `numeric(${decimal[1]}, ${decimal[2]})`;
  return TYPES[duckdbType.toUpperCase()] ?? 'text';
}

/** SQLSTATE classes worth a retry: serialization, deadlock, lock, connection, shutdown. */
const TRANSIENT = /^(40001|40P01|55P03|57P01|57P02|57P03|08\d{3}|53300)$/;

/** PostgreSQL's errors carry a SQLSTATE code; network errors a Node code. */
function postgresTransient(error: unknown): boolean {
  for (let e: unknown = error, i = 0; e !== undefined && i < 6; i++) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
    if (typeof code === 'string' && TRANSIENT.test(code)) return true;
    if (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT)$/.test(code))
      return true;
    e = e instanceof Error ? e.cause : undefined;
  }
  return /Connection terminated/i.test(errorMessage(error));
}

function unsupported(what: string): EtlError {
  return new EtlError('E_TARGET', `${what} is not supported on PostgreSQL targets`, {
    exitCode: ExitCode.badInput,
  });
}
