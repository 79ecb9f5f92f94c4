import type { Column, RelationKind } from '../engine/adapter.js';
import type { Dialect } from '../engine/dialect.js';
import { NEXT_SEQ, PARTITIONS, PARTITION_INSERT_COLUMNS, REFRESHING } from '../state/ledger.js';
import { refreshName } from '../state/warehouse-state.js';
import { qualified, quoteString } from '../util/sql.js';
import { buildRecordSql, contentHashSql, relationStatsSql } from './build-record.js';
import { rowsOf, runStatements } from './run-statements.js';
import { beginStatements, type Statement } from './statement.js';
import { replaceStatements } from './swap-table.js';
import { testStatements } from './test-statements.js';
import type { ModelWrite, StepMeta, WriteContext, WriteResult } from './write-context.js';

/** What the engine says before a swap: what has the model's name, the aside table's columns. */
export interface SwapFacts {
  readonly existing: RelationKind | undefined;
  readonly columns: readonly Column[];
}

/**
 * The end of a full refresh, in one transaction: the table built aside replaces the model's
 * relation, and the ledger rows of its windows move to the ledger (newest row per window), so
 * that readers and `status` see the old table and its windows until this commits, then the
 * new ones. The model's data tests run on the new table before the commit.
 */
export async function writeSwap(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  const { conn } = ctx;
  const { model } = write;
  const facts: SwapFacts = {
    existing: await conn.relationKind(model.schema, model.name),
    columns: await conn.columns(qualified(model.schema, refreshName(model.name))),
  };
  const results = await runStatements(
    conn,
    swapStatements(write, conn.dialect, facts, {
      runId: ctx.runId,
      now: ctx.now(),
      tests: ctx.tests,
    }),
  );
  const [stats] = [...rowsOf(results, 'hash'), ...rowsOf(results, 'record')];
  return {
    rows: Number(stats?.row_count ?? 0),
    windows: rowsOf(results, 'ledger').map((r) => ({
      window: { start: Number(r.w), end: Number(r.e) },
      rows: Number(r.row_count),
      contentHash: String(r.content_hash ?? ''),
      partial: r.partial === null ? undefined : String(r.partial),
    })),
    contentHash: String(stats?.content_hash ?? ''),
    tests: results.tests,
  };
}

/** The statements of the swap that ends a full refresh, in order. */
export function swapStatements(
  write: ModelWrite,
  dialect: Dialect,
  facts: SwapFacts,
  meta: StepMeta,
): Statement[] {
  const { model } = write;
  const name = quoteString(model.name);
  const newest = dialect.newestPerKey(
    `(SELECT * FROM ${REFRESHING} WHERE model = ${name})`,
    'window_start',
    'seq',
  );
  const build = {
    model: model.name,
    materialized: 'incremental',
    fingerprint: model.fingerprint,
    inputVersion: undefined,
    runId: meta.runId,
    builtAt: meta.now,
  };
  return [
    // A swap waits for the model's lock: it ends a refresh this run has written aside.
    ...beginStatements(dialect, [model.relation], { wait: true }),
    ...replaceStatements(
      dialect,
      model.schema,
      model.name,
      refreshName(model.name),
      facts.existing,
    ),
    {
      // Windows the refresh did not write (before a start moved later, or of another grain)
      // left the table with it.
      purpose: 'delete',
      sql: `DELETE FROM ${PARTITIONS} WHERE model = ${name} AND window_start NOT IN (SELECT window_start FROM ${REFRESHING} WHERE model = ${name})`,
    },
    {
      purpose: 'ledger',
      returns: true,
      sql: `INSERT INTO ${PARTITIONS} (${PARTITION_INSERT_COLUMNS})
SELECT model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, ${NEXT_SEQ}
FROM (${newest}) AS etl_n ORDER BY window_start
RETURNING ${dialect.epochMs('window_start')} AS w, ${dialect.epochMs('window_end')} AS e, row_count, content_hash, "partial"`,
    },
    { purpose: 'cleanup', sql: `DELETE FROM ${REFRESHING} WHERE model = ${name}` },
    model.config.uniqueKey !== undefined
      ? {
          purpose: 'record',
          returns: true,
          sql: buildRecordSql(dialect, build, model.relation, facts.columns),
        }
      : {
          purpose: 'hash',
          returns: true,
          sql: `SELECT etl_s.n AS row_count, ${contentHashSql(dialect, 'etl_s.h', facts.columns)} AS content_hash FROM (${relationStatsSql(dialect, model.relation, facts.columns)}) AS etl_s`,
        },
    ...(meta.tests === undefined ? [] : testStatements(meta.tests, model, undefined)),
    { purpose: 'commit', sql: 'COMMIT' },
  ];
}

/** Drop what an unfinished full refresh left aside: its table and its ledger rows. */
export async function discardRefresh(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  await runStatements(ctx.conn, discardStatements(write, ctx.conn.dialect));
  return { rows: 0, windows: [] };
}

/** The statements that discard an unfinished full refresh. */
export function discardStatements(write: ModelWrite, dialect: Dialect): Statement[] {
  const { model } = write;
  return [
    ...beginStatements(dialect, [qualified(model.schema, refreshName(model.name))], {
      wait: true,
    }),
    {
      purpose: 'drop',
      sql: `DROP TABLE IF EXISTS ${qualified(model.schema, refreshName(model.name))}`,
    },
    {
      purpose: 'cleanup',
      sql: `DELETE FROM ${REFRESHING} WHERE model = ${quoteString(model.name)}`,
    },
    { purpose: 'commit', sql: 'COMMIT' },
  ];
}
