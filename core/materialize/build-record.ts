import type { Column } from '../engine/adapter.js';
import type { Dialect } from '../engine/dialect.js';
import { BUILD_INSERT_COLUMNS } from '../state/builds.js';
import { NEXT_SEQ, ts } from '../state/ledger.js';
import { quoteString } from '../util/sql.js';
import { contentSalt, hashedColumns } from './stage.js';

/** A build of a whole relation, for its record: all but its row count and content hash. */
export interface BuildOf {
  readonly model: string;
  readonly materialized: string;
  readonly fingerprint: string;
  readonly inputVersion: string | undefined;
  readonly runId: string;
  readonly builtAt: number;
}

/** Row count and content hash of a whole relation, as one row (`n`, `h`: the raw hash sum). */
export function relationStatsSql(dialect: Dialect, relation: string, columns: readonly Column[]) {
  return `SELECT count(*) AS n, ${dialect.rowHashSum('etl_row__')} AS h FROM (SELECT ${hashedColumns(columns)} FROM ${relation}) AS etl_row__`;
}

/** The content hash of a relation's raw hash sum `sum` with its `columns`, as SQL text. */
export function contentHashSql(dialect: Dialect, sum: string, columns: readonly Column[]): string {
  return dialect.hashHex(`coalesce(${sum}, 0) + ${contentSalt(columns).toString()}`);
}

/**
 * The INSERT of a build record counting and hashing `relation` (of `columns`) in the same
 * statement, returning its `row_count` and `content_hash`.
 */
export function buildRecordSql(
  dialect: Dialect,
  build: BuildOf,
  relation: string,
  columns: readonly Column[],
): string {
  return buildRecordFromSql(
    build,
    'etl_s.n',
    contentHashSql(dialect, 'etl_s.h', columns),
    `(${relationStatsSql(dialect, relation, columns)}) AS etl_s`,
  );
}

/** A build record whose count and hash are expressions over `from`, returning them. */
export function buildRecordFromSql(
  build: BuildOf,
  rowCount: string,
  contentHash: string,
  from: string,
): string {
  return `INSERT INTO ${BUILD_INSERT_COLUMNS}
SELECT ${quoteString(build.model)}, ${quoteString(build.materialized)}, ${quoteString(build.fingerprint)}, ${rowCount}, ${quoteString(build.runId)}, ${ts(build.builtAt)}, ${contentHash}, ${build.inputVersion === undefined ? 'CAST(NULL AS VARCHAR)' : quoteString(build.inputVersion)}, ${NEXT_SEQ}
FROM ${from}
RETURNING row_count, content_hash`;
}
