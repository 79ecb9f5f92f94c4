import type { ErrorCode } from '../error-codes.js';
import { WindowError, errorMessage } from '../errors.js';
import { inTransaction } from '../engine/adapter.js';
import { REFRESHING, insertPartitionsSql } from '../state/ledger.js';
import { insertBuildSql } from '../state/builds.js';
import { windowLabel } from '../time/window.js';
import { quoteIdent, quoteString } from '../util/sql.js';
import { columnList, contentHash, formatContentHash, hashedColumns, stageName } from './stage.js';
import { evolveColumns } from './schema-change.js';
import { tableStats } from './swap-table.js';
import {
  writeTarget,
  type ModelWrite,
  type WriteContext,
  type WriteResult,
} from './write-context.js';

/**
 * `incremental` with `unique_key`: in one transaction, stage the query, refuse duplicate keys,
 * delete the rows whose key is staged, insert the staged rows, and record the run's window
 * and the table's new content hash (the old one, less the rows replaced, plus the rows
 * inserted: hashes are sums, so the whole table is not read again).
 */
export async function writeUpsert(ctx: WriteContext, write: ModelWrite): Promise<WriteResult> {
  const { conn } = ctx;
  const { step, model } = write;
  const target = writeTarget(step, model);
  const keys = model.config.uniqueKey ?? [];
  const label = windowLabel(step.renderWindow, 'day');
  const stage = stageName(model);
  const fail = (code: ErrorCode, message: string, cause?: unknown): WindowError =>
    new WindowError(code, `model '${model.name}' (${label}): ${message}`, {
      model: model.name,
      window: label,
      sql: step.sql,
      ...(cause === undefined ? {} : { cause }),
    });
  const fresh = step.refresh === 'start';
  const kind = await conn.relationKind(target.schema, target.name);
  if (kind === 'view' && !fresh)
    throw new WindowError(
      'E_NOT_A_TABLE',
      `model '${model.name}' is incremental but ${target.relation} is a view`,
      {
        model: model.name,
        window: label,
        hint: 'rerun with --full-refresh to replace it',
      },
    );
  return inTransaction(conn, async () => {
    try {
      await conn.run(`CREATE TEMP TABLE ${stage} AS\n${step.sql}`);
    } catch (error) {
      throw fail('E_SQL', errorMessage(error), error);
    }
    const stagedColumns = await conn.columns(stage);
    const staged = new Set(stagedColumns.map((c) => c.name.toLowerCase()));
    const missing = keys.filter((k) => !staged.has(k.toLowerCase()));
    if (missing.length > 0)
      throw fail(
        'E_UNIQUE_KEY',
        `unique_key column ${missing.join(', ')} is not a column of the query`,
      );
    const keyList = keys.map(quoteIdent).join(', ');
    const [dupes] = await conn.query(
      `SELECT count(*) AS n FROM (SELECT ${keyList} FROM ${stage} GROUP BY ${keyList} HAVING count(*) > 1)`,
    );
    const duplicated = Number(dupes?.n ?? 0);
    if (duplicated > 0)
      throw fail(
        'E_DUPLICATE_KEY',
        `${duplicated} unique_key value${duplicated === 1 ? '' : 's'} (${keys.join(', ')}) appear more than once in the query's rows; nothing was written`,
      );
    const [stats] = await conn.query(
      `SELECT count(*) AS n, ${conn.dialect.rowHashSum('etl_row__')} AS h FROM (SELECT ${hashedColumns(stagedColumns)} FROM ${stage}) AS etl_row__`,
    );
    const create = kind === undefined || fresh;
    let reshaped = false;
    if (create) {
      if (kind !== undefined)
        await conn.run(`DROP ${kind === 'view' ? 'VIEW' : 'TABLE'} ${target.relation}`);
      if (fresh)
        await conn.run(`DELETE FROM ${REFRESHING} WHERE model = ${quoteString(model.name)}`);
      await conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(target.schema)}`);
      await conn.run(`CREATE TABLE ${target.relation} AS SELECT * FROM ${stage} WITH NO DATA`);
    } else
      reshaped = await evolveColumns(
        ctx,
        model,
        target,
        await conn.columns(target.relation),
        stagedColumns,
        (m) => fail('E_SCHEMA_CHANGE', m),
      );
    const tableColumns = await conn.columns(target.relation);
    const matchOn = (relation: string): string =>
      keys
        .map((k) => `${relation}.${quoteIdent(k)} IS NOT DISTINCT FROM ${stage}.${quoteIdent(k)}`)
        .join(' AND ');
    // The hash of the table's rows whose key is staged: those replaced, then those inserted.
    const sumOf = async (): Promise<bigint> => {
      const [row] = await conn.query(
        `SELECT ${conn.dialect.rowHashSum('etl_row__')} AS h FROM (SELECT ${hashedColumns(tableColumns)} FROM ${target.relation} AS etl_t WHERE EXISTS (SELECT 1 FROM ${stage} WHERE ${matchOn('etl_t')})) AS etl_row__`,
      );
      return BigInt(String(row?.h ?? 0));
    };
    // The running hash holds while the table keeps its columns; else it is read whole.
    const before = write.tableHash === undefined || create || reshaped ? undefined : await sumOf();
    await conn.run(
      `DELETE FROM ${target.relation} USING ${stage} WHERE ${matchOn(target.relation)}`,
    );
    const cols = columnList(stagedColumns);
    await conn.run(`INSERT INTO ${target.relation} (${cols}) SELECT ${cols} FROM ${stage}`);
    const tableHash =
      before === undefined || write.tableHash === undefined
        ? (await tableStats(conn, target.relation)).contentHash
        : formatContentHash(BigInt(`0x${write.tableHash}`) - before + (await sumOf()));
    const rows = Number(stats?.n ?? 0);
    const rowsHash = contentHash(stats?.h, stagedColumns);
    const inputs = write.inputs?.get(step.renderWindow.start);
    const now = ctx.now();
    await conn.run(
      insertPartitionsSql(
        [
          {
            model: model.name,
            window: step.renderWindow,
            fingerprint: model.fingerprint,
            rowCount: rows,
            contentHash: rowsHash,
            inputVersion: inputs?.version,
            inputStart: inputs?.inputStart,
            partial: inputs?.partial,
            forwardOnly: false,
            runId: ctx.runId,
            finishedAt: now,
          },
        ],
        target.ledger,
      ),
    );
    if (step.refresh === undefined)
      await conn.run(
        insertBuildSql({
          model: model.name,
          materialized: 'incremental',
          fingerprint: model.fingerprint,
          rowCount: rows,
          contentHash: tableHash,
          inputVersion: undefined,
          runId: ctx.runId,
          builtAt: now,
        }),
      );
    const scope = `(${keyList}) IN (SELECT (${keyList}) FROM ${stage})`;
    const tests = step.refresh === undefined ? ((await ctx.verify?.(model, scope)) ?? []) : [];
    await conn.run(`DROP TABLE ${stage}`);
    return {
      rows,
      windows: [
        { window: step.renderWindow, rows, contentHash: rowsHash, partial: inputs?.partial },
      ],
      contentHash: tableHash,
      tests,
    };
  });
}
