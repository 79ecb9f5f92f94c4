import type { ErrorCode } from '../error-codes.js';
import { EtlError, WindowError, errorMessage } from '../errors.js';
import type { Column, RelationKind } from '../engine/adapter.js';
import type { Dialect } from '../engine/dialect.js';
import { REFRESHING } from '../state/ledger.js';
import { windowLabel } from '../time/window.js';
import { quoteIdent, quoteString, subquery } from '../util/sql.js';
import { buildRecordFromSql, contentHashSql } from './build-record.js';
import { ledgerRowsSql } from './ledger-rows.js';
import { CheckFailed, rowsOf, runStatements } from './run-statements.js';
import { evolveColumns } from './schema-change.js';
import { columnList, hashedColumns, stageName } from './stage.js';
import { beginStatements, type Statement } from './statement.js';
import { restoreStatements } from './swap-table.js';
import { Busy, BuiltElsewhere, windowClaim } from './claim.js';
import { testStatements } from './test-statements.js';
import {
  writeTarget,
  type ModelWrite,
  type StepMeta,
  type WriteContext,
  type WriteResult,
} from './write-context.js';

/** What the engine says before an upsert's transaction. */
export interface UpsertFacts {
  /** The query's columns (those staged). */
  readonly columns: readonly Column[];
  /** What has the model's name now. */
  readonly existing: RelationKind | undefined;
  /** The table's columns once the step's schema change (if any) is made. */
  readonly tableColumns: readonly Column[];
  /** Whether the table just took new columns: its running content hash no longer holds. */
  readonly reshaped: boolean;
}

/**
 * `incremental` with `unique_key`: in one transaction, stage the query, refuse duplicate keys,
 * delete the rows whose key is staged, insert the staged rows, and record the run's window
 * and the table's new content hash (the old one, less the rows replaced, plus the rows
 * inserted: hashes are sums, so the whole table is not read again).
 */
export async function writeUpsert(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  const facts = await upsertFacts(ctx, write);
  const meta = { runId: ctx.runId, now: ctx.now(), tests: ctx.tests, wait: ctx.wait };
  let results;
  try {
    results = await runStatements(ctx.conn, upsertStatements(write, ctx.conn.dialect, facts, meta));
  } catch (error) {
    if (error instanceof CheckFailed)
      throw upsertError(
        write,
        'E_DUPLICATE_KEY',
        `${error.n} unique_key value${error.n === 1 ? '' : 's'} (${keysOf(write).join(', ')}) appear more than once in the query's rows; nothing was written`,
      );
    if (error instanceof EtlError || error instanceof Busy || error instanceof BuiltElsewhere)
      throw error;
    throw upsertError(write, 'E_SQL', errorMessage(error), error);
  }
  const [ledger] = rowsOf(results, 'ledger');
  const [record] = rowsOf(results, 'record');
  const rows = Number(ledger?.row_count ?? 0);
  const partial = write.inputs?.get(write.step.renderWindow.start)?.partial;
  return {
    rows,
    windows: [
      {
        window: write.step.renderWindow,
        rows,
        contentHash: String(ledger?.content_hash ?? ''),
        partial,
      },
    ],
    contentHash: String(record?.content_hash ?? ''),
    tests: results.tests,
  };
}

/** The statements of an upsert, in order. */
export function upsertStatements(
  write: ModelWrite,
  dialect: Dialect,
  facts: UpsertFacts,
  meta: StepMeta,
): Statement[] {
  const { step, model } = write;
  const target = writeTarget(step, model);
  const stage = stageName(model);
  const sums = quoteIdent(`etl_hash__${model.name}`);
  const keyList = keysOf(write).map(quoteIdent).join(', ');
  const cols = columnList(facts.columns);
  const create = facts.existing === undefined || step.refresh === 'start';
  const matched = matchedRowsSql(write, facts, target.relation);
  // Where other processes write too, the hash the plan saw may be out of date: read whole.
  const running = runningHash(write, facts) && dialect.stepLock === undefined;
  const statements: Statement[] = [
    ...beginStatements(dialect, [target.relation], {
      wait: meta.wait,
      claim: windowClaim(dialect, write),
    }),
    { purpose: 'stage', sql: `CREATE TEMP TABLE ${stage} AS\n${write.sql}` },
    {
      purpose: 'check',
      returns: true,
      failure: 'E_DUPLICATE_KEY',
      sql: `SELECT count(*) AS n FROM (SELECT ${keyList} FROM ${stage} GROUP BY ${keyList} HAVING count(*) > 1) AS etl_d`,
    },
    ...(create ? createStatements(write, dialect, facts) : []),
    {
      // Before anything is deleted: the rows staged, and the hash of the rows they replace.
      purpose: 'hash',
      sql: `CREATE TEMP TABLE ${sums} AS SELECT (SELECT count(*) FROM ${stage}) AS n, ${running ? `(SELECT ${dialect.rowHashSum('etl_row__')} FROM (${matched}) AS etl_row__)` : 'NULL'} AS replaced`,
    },
    {
      purpose: 'delete',
      sql: `DELETE FROM ${target.relation} USING ${stage} WHERE ${matchOn(write, target.relation, stage)}`,
    },
    {
      purpose: 'insert',
      sql: `INSERT INTO ${target.relation} (${cols}) SELECT ${cols} FROM ${stage}`,
    },
    {
      purpose: 'ledger',
      returns: true,
      sql: upsertLedgerSql(write, dialect, facts, meta),
    },
  ];
  // Written aside by a full refresh: the swap records and tests the table.
  if (step.refresh === undefined)
    statements.push(...recordAndTests(write, dialect, facts, meta, running, matched));
  statements.push(
    { purpose: 'cleanup', sql: `DROP TABLE ${stage}` },
    { purpose: 'cleanup', sql: `DROP TABLE ${sums}` },
    { purpose: 'commit', sql: 'COMMIT' },
  );
  return statements;
}

/** The table's build record (its new content hash) and the model's tests of the keys upserted. */
function recordAndTests(
  write: ModelWrite,
  dialect: Dialect,
  facts: UpsertFacts,
  meta: StepMeta,
  running: boolean,
  matched: string,
): Statement[] {
  const { model } = write;
  const stage = stageName(model);
  const keyList = keysOf(write).map(quoteIdent).join(', ');
  const record: Statement = {
    purpose: 'record',
    returns: true,
    sql: buildRecordFromSql(
      {
        model: model.name,
        materialized: 'incremental',
        fingerprint: model.fingerprint,
        inputVersion: undefined,
        runId: meta.runId,
        builtAt: meta.now,
      },
      'etl_h.n',
      tableHashSql(write, dialect, facts, running, matched),
      `${quoteIdent(`etl_hash__${model.name}`)} AS etl_h`,
    ),
  };
  const scope = `(${keyList}) IN (SELECT (${keyList}) FROM ${stage})`;
  return [record, ...(meta.tests === undefined ? [] : testStatements(meta.tests, model, scope))];
}

/** The ledger row of the upsert's window: the staged rows' count and hash. */
function upsertLedgerSql(
  write: ModelWrite,
  dialect: Dialect,
  facts: UpsertFacts,
  meta: StepMeta,
): string {
  const { step, model } = write;
  const inputs = write.inputs?.get(step.renderWindow.start);
  return ledgerRowsSql(dialect, {
    table: writeTarget(step, model).ledger,
    windows: [
      {
        model: model.name,
        window: step.renderWindow,
        fingerprint: model.fingerprint,
        inputVersion: inputs?.version,
        inputStart: inputs?.inputStart,
        partial: inputs?.partial,
        runId: meta.runId,
        finishedAt: meta.now,
      },
    ],
    rows: `SELECT ${hashedColumns(facts.columns)} FROM ${stageName(model)}`,
    columns: facts.columns,
    windowKey: '',
  });
}

/** A new table for the upsert: dropping what had the name, or what a refresh left. */
function createStatements(write: ModelWrite, dialect: Dialect, facts: UpsertFacts): Statement[] {
  const target = writeTarget(write.step, write.model);
  const statements: Statement[] = [];
  if (facts.existing !== undefined)
    statements.push({
      purpose: 'drop',
      sql: dialect.dropRelation(facts.existing === 'view' ? 'VIEW' : 'TABLE', target.relation),
    });
  if (write.step.refresh === 'start')
    statements.push({
      purpose: 'drop',
      sql: `DELETE FROM ${REFRESHING} WHERE model = ${quoteString(write.model.name)}`,
    });
  statements.push(
    { purpose: 'schema', sql: `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(target.schema)}` },
    {
      purpose: 'create',
      sql: `CREATE TABLE ${target.relation} AS SELECT * FROM ${stageName(write.model)} WITH NO DATA`,
    },
  );
  if (dialect.indexOn !== undefined)
    statements.push({ purpose: 'create', sql: dialect.indexOn(target.relation, keysOf(write)) });
  statements.push(...restoreStatements(dialect, facts.existing));
  return statements;
}

/**
 * The table's content hash after the upsert: its hash before, less the rows replaced, plus the
 * rows inserted, while the table keeps its columns and its hash is known; else read whole.
 */
function tableHashSql(
  write: ModelWrite,
  dialect: Dialect,
  facts: UpsertFacts,
  running: boolean,
  matched: string,
): string {
  const whole = `(SELECT ${dialect.rowHashSum('etl_row__')} FROM (SELECT ${hashedColumns(facts.tableColumns)} FROM ${writeTarget(write.step, write.model).relation}) AS etl_row__)`;
  if (!running || write.tableHash === undefined)
    return contentHashSql(dialect, whole, facts.tableColumns);
  const after = `(SELECT ${dialect.rowHashSum('etl_row__')} FROM (${matched}) AS etl_row__)`;
  return dialect.hashHex(
    `${BigInt(`0x${write.tableHash}`).toString()} - coalesce(etl_h.replaced, 0) + coalesce(${after}, 0)`,
  );
}

/** Whether the table's hash after the step follows from its hash before: see tableHashSql. */
function runningHash(write: ModelWrite, facts: UpsertFacts): boolean {
  const create = facts.existing === undefined || write.step.refresh === 'start';
  return (
    write.step.refresh === undefined && write.tableHash !== undefined && !create && !facts.reshaped
  );
}

/** The table's rows whose key is staged, with the hashed columns. */
function matchedRowsSql(write: ModelWrite, facts: UpsertFacts, relation: string): string {
  return `SELECT ${hashedColumns(facts.tableColumns)} FROM ${relation} AS etl_t WHERE EXISTS (SELECT 1 FROM ${stageName(write.model)} WHERE ${matchOn(write, 'etl_t', stageName(write.model))})`;
}

function matchOn(write: ModelWrite, relation: string, stage: string): string {
  return keysOf(write)
    .map((k) => `${relation}.${quoteIdent(k)} IS NOT DISTINCT FROM ${stage}.${quoteIdent(k)}`)
    .join(' AND ');
}

/**
 * Before the transaction: the query's columns, what has the model's name, and the table's
 * columns once `on_schema_change` has had its say.
 */
async function upsertFacts(ctx: WriteContext, write: ModelWrite): Promise<UpsertFacts> {
  const { conn } = ctx;
  const { step, model } = write;
  const target = writeTarget(step, model);
  const fresh = step.refresh === 'start';
  const existing = await conn.relationKind(target.schema, target.name);
  if (existing === 'view' && !fresh)
    throw new WindowError(
      'E_NOT_A_TABLE',
      `model '${model.name}' is incremental but ${target.relation} is a view`,
      {
        model: model.name,
        window: labelOf(write),
        hint: 'rerun with --full-refresh to replace it',
      },
    );
  let columns: Column[];
  try {
    columns = await conn.columns(subquery(write.sql));
  } catch (error) {
    throw upsertError(write, 'E_SQL', errorMessage(error), error);
  }
  const names = new Set(columns.map((c) => c.name.toLowerCase()));
  const missing = keysOf(write).filter((k) => !names.has(k.toLowerCase()));
  if (missing.length > 0)
    throw upsertError(
      write,
      'E_UNIQUE_KEY',
      `unique_key column ${missing.join(', ')} is not a column of the query`,
    );
  if (existing === undefined || fresh)
    return { columns, existing, tableColumns: columns, reshaped: false };
  const reshaped = await evolveColumns(
    ctx,
    model,
    target,
    await conn.columns(target.relation),
    columns,
    (m) => upsertError(write, 'E_SCHEMA_CHANGE', m),
  );
  return { columns, existing, tableColumns: await conn.columns(target.relation), reshaped };
}

function keysOf(write: ModelWrite): readonly string[] {
  return write.model.config.uniqueKey ?? [];
}

function labelOf(write: ModelWrite): string {
  return windowLabel(write.step.renderWindow, 'day');
}

function upsertError(
  write: ModelWrite,
  code: ErrorCode,
  message: string,
  cause?: unknown,
): WindowError {
  return new WindowError(code, `model '${write.model.name}' (${labelOf(write)}): ${message}`, {
    model: write.model.name,
    window: labelOf(write),
    sql: write.sql,
    ...(cause === undefined ? {} : { cause }),
  });
}
