import type { RelationKind } from '../engine/adapter.js';
import { quoteIdent } from '../util/sql.js';
import { insertBuildSql } from '../state/builds.js';
import { runStatements } from './run-statements.js';
import { beginStatements, type Statement } from './statement.js';
import type { Dialect } from '../engine/dialect.js';
import { testStatements } from './test-statements.js';
import type { ModelWrite, StepMeta, WriteContext, WriteResult } from './write-context.js';

/** `view`: CREATE OR REPLACE VIEW, replacing a table of the same name in the same transaction. */
export async function writeView(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  const { conn } = ctx;
  const existing = await conn.relationKind(write.model.schema, write.model.name);
  const { tests } = await runStatements(
    conn,
    viewStatements(write, conn.dialect, existing, {
      runId: ctx.runId,
      now: ctx.now(),
      tests: ctx.tests,
    }),
  );
  return { rows: 0, windows: [], tests };
}

/** The statements of a view build, in order; `existing` is what has its name now. */
export function viewStatements(
  write: ModelWrite,
  dialect: Dialect,
  existing: RelationKind | undefined,
  meta: StepMeta,
): Statement[] {
  const { model } = write;
  return [
    ...beginStatements(dialect, [model.relation]),
    { purpose: 'schema', sql: `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(model.schema)}` },
    ...(existing === 'table'
      ? [{ purpose: 'drop' as const, sql: `DROP TABLE ${model.relation}` }]
      : []),
    { purpose: 'create', sql: `CREATE OR REPLACE VIEW ${model.relation} AS\n${write.sql}` },
    {
      purpose: 'record',
      sql: insertBuildSql({
        model: model.name,
        materialized: 'view',
        fingerprint: model.fingerprint,
        rowCount: 0,
        contentHash: undefined,
        inputVersion: write.inputVersion,
        runId: meta.runId,
        builtAt: meta.now,
      }),
    },
    ...(meta.tests === undefined ? [] : testStatements(meta.tests, model, undefined)),
    { purpose: 'commit', sql: 'COMMIT' },
  ];
}
