import type { Column, RelationKind } from '../engine/adapter.js';
import type { Dialect } from '../engine/dialect.js';
import { subquery } from '../util/sql.js';
import { buildRecordSql } from './build-record.js';
import { rowsOf, runStatements } from './run-statements.js';
import { beginStatements, type Statement } from './statement.js';
import { buildClaim } from './claim.js';
import { buildAndSwapStatements } from './swap-table.js';
import { testStatements } from './test-statements.js';
import type { ModelWrite, StepMeta, WriteContext, WriteResult } from './write-context.js';

/** What the engine says before a table's transaction. */
export interface TableFacts {
  /** The query's columns. */
  readonly columns: readonly Column[];
  /** What has the model's name now. */
  readonly existing: RelationKind | undefined;
}

/**
 * `table`: build into a new table, then swap it in, all in one transaction with its build
 * record (row count, content hash and the version of what it read).
 */
export async function writeTable(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  const { conn } = ctx;
  const facts: TableFacts = {
    columns: await conn.columns(subquery(write.sql)),
    existing: await conn.relationKind(write.model.schema, write.model.name),
  };
  const results = await runStatements(
    conn,
    tableStatements(write, conn.dialect, facts, {
      runId: ctx.runId,
      now: ctx.now(),
      tests: ctx.tests,
      wait: ctx.wait,
    }),
  );
  const [record] = rowsOf(results, 'record');
  return {
    rows: Number(record?.row_count ?? 0),
    windows: [],
    contentHash: String(record?.content_hash ?? ''),
    tests: results.tests,
  };
}

/** The statements of a table build, in order. */
export function tableStatements(
  write: ModelWrite,
  dialect: Dialect,
  facts: TableFacts,
  meta: StepMeta,
): Statement[] {
  const { model } = write;
  return [
    ...beginStatements(dialect, [model.relation], {
      wait: meta.wait,
      claim: buildClaim(dialect, write),
    }),
    ...buildAndSwapStatements(dialect, model.schema, model.name, write.sql, facts.existing),
    {
      purpose: 'record',
      returns: true,
      sql: buildRecordSql(
        dialect,
        {
          model: model.name,
          materialized: 'table',
          fingerprint: model.fingerprint,
          inputVersion: write.inputVersion,
          runId: meta.runId,
          builtAt: meta.now,
        },
        model.relation,
        facts.columns,
      ),
    },
    ...(meta.tests === undefined ? [] : testStatements(meta.tests, model, undefined)),
    { purpose: 'commit', sql: 'COMMIT' },
  ];
}
