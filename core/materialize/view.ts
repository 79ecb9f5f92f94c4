import type { RelationKind } from '../engine/adapter.js';
import { quoteIdent } from '../util/sql.js';
import { insertBuildSql } from '../state/builds.js';
import { runStatements } from './run-statements.js';
import { beginStatements, type Statement } from './statement.js';
import { restoreStatements } from './swap-table.js';
import { buildClaim } from './claim.js';
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
      wait: ctx.wait,
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
  const rebind = dialect.restoreDependents !== undefined;
  return [
    ...beginStatements(dialect, [model.relation], {
      wait: meta.wait,
      claim: buildClaim(dialect, write),
    }),
    { purpose: 'schema', sql: `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(model.schema)}` },
    // Where views are bound to what they read, a view is dropped (its readers kept) and made
    // anew: CREATE OR REPLACE cannot change its columns there.
    ...(existing === 'table' || (existing === 'view' && rebind)
      ? [
          {
            purpose: 'drop' as const,
            sql: dialect.dropRelation(existing === 'table' ? 'TABLE' : 'VIEW', model.relation),
          },
        ]
      : []),
    {
      purpose: 'create',
      sql: `${rebind ? 'CREATE' : 'CREATE OR REPLACE'} VIEW ${model.relation} AS\n${write.sql}`,
    },
    ...restoreStatements(dialect, existing),
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
