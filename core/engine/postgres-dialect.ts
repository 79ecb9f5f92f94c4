import { EtlError, ExitCode, errorMessage } from '../errors.js';
import { quoteIdent, quoteString } from '../util/sql.js';
import { STEP_BUSY, type Dialect } from './dialect.js';

const TWO_64 = '18446744073709551616::numeric';
const TWO_63 = '9223372036854775808::numeric';

/**
 * The advisory lock of {@link DROP_KEEPING_VIEWS}: a pair of integers (window locks are single
 * 64-bit keys, which PostgreSQL keeps apart from pairs).
 */
const DROP_LOCK = '6648940, 1';

/**
 * Drop a relation and the views that read it (directly or through other views), keeping their
 * definitions, in the order to create them again, in a temporary table of the transaction.
 *
 * Steps that run side by side can share such a view (one over two tables, each rebuilt by
 * its own step). Without a lock, the second reads the view's definition while the first has
 * dropped it, uncommitted, and fails once the first commits ("could not open relation with
 * OID"). So one transaction at a time drops and restores views: a lock held to its commit,
 * taken before the views are looked up (each statement of the function sees what committed
 * before it). It waits only on another step's replace: steps that run side by side do not read
 * what the other rebuilds (they would be ordered in the DAG), so no cycle of waits forms.
 */
const DROP_KEEPING_VIEWS = `CREATE OR REPLACE FUNCTION etl_state.etl_drop(target regclass, kind text) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(${DROP_LOCK});
  CREATE TEMP TABLE IF NOT EXISTS etl_dependents (n serial, name text, def text) ON COMMIT DROP;
  INSERT INTO etl_dependents (name, def)
  WITH RECURSIVE deps(oid, depth) AS (
    SELECT r.ev_class, 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
    WHERE d.refobjid = target AND r.ev_class <> target
    UNION
    SELECT r.ev_class, deps.depth + 1 FROM deps JOIN pg_depend d ON d.refobjid = deps.oid
    JOIN pg_rewrite r ON r.oid = d.objid WHERE r.ev_class <> deps.oid
  )
  SELECT c.oid::regclass::text, regexp_replace(pg_get_viewdef(c.oid), ';\\s*$', '')
  FROM (SELECT oid, max(depth) AS depth FROM deps GROUP BY oid) AS x
  JOIN pg_class c ON c.oid = x.oid WHERE c.relkind = 'v'
  ORDER BY x.depth, c.oid;
  EXECUTE format('DROP %s %s CASCADE', kind, target);
END $$`;

/**
 * Create again the views {@link DROP_KEEPING_VIEWS} kept. One that no longer fits the new
 * relation stays dropped, with a warning: when it is a model, the plan rebuilds it (its
 * upstream changed, or it is missing next time), with its own error if it still does not fit.
 */
const RESTORE_VIEWS = `CREATE OR REPLACE FUNCTION etl_state.etl_restore() RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE v record;
BEGIN
  IF to_regclass('pg_temp.etl_dependents') IS NULL THEN RETURN; END IF;
  FOR v IN SELECT name, def FROM etl_dependents ORDER BY n LOOP
    BEGIN
      EXECUTE format('CREATE VIEW %s AS %s', v.name, v.def);
    EXCEPTION WHEN OTHERS THEN
      RAISE WARNING 'etl: the view % no longer fits what it reads and was dropped: %', v.name, SQLERRM;
    END;
  END LOOP;
  DELETE FROM etl_dependents;
END $$`;

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
  bucketOf: (text, parts) => `abs(hashtext(${text})::bigint) % ${parts}`,
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
  stepLock: (keys, wait) => {
    const hashes = [...new Set(keys)]
      .sort()
      .map((k) => `(hashtextextended(${quoteString(k)}, 0))`)
      .join(', ');
    // Taken in the order of the sorted subquery, so that waiting steps never wait in a cycle.
    return wait
      ? `SELECT count(pg_advisory_xact_lock(etl_k.h)) FROM (SELECT h FROM (VALUES ${hashes}) AS etl_v(h) ORDER BY h) AS etl_k`
      : `SELECT CASE WHEN bool_and(pg_try_advisory_xact_lock(etl_k.h)) THEN true ELSE etl_state.etl_raise('${STEP_BUSY}') END FROM (VALUES ${hashes}) AS etl_k(h)`;
  },
  // Views are bound to the relations they read: replacing one keeps and restores its readers.
  dropRelation: (kind, relation) =>
    `SELECT etl_state.etl_drop(${quoteString(relation)}::regclass, '${kind}')`,
  restoreDependents: 'SELECT etl_state.etl_restore()',
  // Without them a window's delete, hash and tests would read the whole table.
  indexOn: (relation, columns) =>
    `CREATE INDEX ON ${relation} (${columns.map(quoteIdent).join(', ')})`,
  setup: {
    // Set up again when etl_drop predates its lock.
    check: `SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'etl_state' AND p.proname IN ('etl_raise', 'etl_drop', 'etl_restore') AND (p.proname <> 'etl_drop' OR p.prosrc LIKE '%pg_advisory_xact_lock(${DROP_LOCK})%') HAVING count(*) = 3 AND to_regclass('etl_state.partitions_by_window') IS NOT NULL`,
    statements: [
      `CREATE OR REPLACE FUNCTION etl_state.etl_raise(message text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$ BEGIN RAISE EXCEPTION '%', message; END $$`,
      DROP_KEEPING_VIEWS,
      RESTORE_VIEWS,
      // A step's claim and status read the newest row of a window: not the whole ledger.
      `CREATE INDEX IF NOT EXISTS partitions_by_window ON etl_state.partitions (model, window_start, seq)`,
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
    // Two processes creating the same schema or table at once: the one that loses the race
    // finds it there when it tries again (its step asks the catalog anew).
    if (code === '42P06' || code === '42P07') return true;
    const constraint =
      typeof e === 'object' && e !== null && 'constraint' in e ? String(e.constraint) : '';
    if (code === '23505' && constraint.startsWith('pg_')) return true;
    if (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT)$/.test(code))
      return true;
    e = e instanceof Error ? e.cause : undefined;
  }
  return /Connection terminated|not queryable/i.test(errorMessage(error));
}

function unsupported(what: string): EtlError {
  return new EtlError('E_TARGET', `${what} is not supported on PostgreSQL targets`, {
    exitCode: ExitCode.badInput,
  });
}
