import { existsSync } from 'node:fs';
import { EtlError, ExitCode, UsageError, WarehouseInUseError, errorMessage } from '../errors.js';
import { openDuckDB } from '../engine/duckdb.js';
import type { Connection } from '../engine/adapter.js';
import { selectNodes } from '../compile/selection.js';
import type { CompiledGraph, CompiledModel } from '../compile/compiled-graph.js';
import { renderModel } from '../compile/compile-project.js';
import { formatTimestamp, windowsBetween, type Window } from '../plan/window.js';
import { STATE_SCHEMA } from '../state/ledger.js';
import { contentHashExpression, formatContentHash } from '../materialize/stage.js';
import { quoteIdent, quoteString } from '../util/sql.js';
import { openProject, type ProjectOptions } from './open-project.js';

/** Options of {@link verifyProject}. */
export interface VerifyOptions extends ProjectOptions {
  readonly from: number;
  readonly to: number;
  readonly select?: readonly string[];
  readonly exclude?: readonly string[];
  /** Called as each window is checked. */
  readonly onWindow?: (check: WindowCheck) => void;
}

/** The outcome of checking one window. */
export interface WindowCheck {
  readonly model: string;
  readonly window: Window;
  /** `match`; `mismatch` (the rebuild or the table differs from the ledger); `stale`
   * (built under another fingerprint: not comparable); `missing` (no ledger row). */
  readonly status: 'match' | 'mismatch' | 'stale' | 'missing';
  readonly ledger?: { readonly rows: number; readonly hash: string };
  readonly rebuilt?: { readonly rows: number; readonly hash: string };
  readonly stored?: { readonly rows: number; readonly hash: string };
  readonly reason?: string;
}

/** What `etl verify` found. */
export interface VerifySummary {
  readonly checks: WindowCheck[];
  readonly matched: number;
  readonly mismatched: number;
  readonly stale: number;
  readonly missing: number;
  /** Models left out, and why. */
  readonly skipped: { readonly model: string; readonly reason: string }[];
}

const WH = 'etl_verify_wh';

/**
 * `etl verify --from A --to B`: in a scratch in-memory database with the warehouse attached
 * read-only, rebuild each selected window from the same inputs and compare its content hash
 * (an order-independent hash of its rows) and row count with the ledger's; also hash the rows
 * the table holds now. A rebuild that differs means a non-deterministic model or inputs that
 * changed underneath; a table that differs means rows changed by hand.
 */
export async function verifyProject(options: VerifyOptions): Promise<VerifySummary> {
  if (options.from > options.to) throw new UsageError('--from is after --to', '--from');
  const { compiled } = openProject(options);
  const { target } = compiled;
  if (target.kind !== 'duckdb' || target.path === ':memory:')
    throw new EtlError('E_TARGET', 'etl verify needs a DuckDB file target', {
      exitCode: ExitCode.badInput,
    });
  if (!existsSync(target.path))
    throw new EtlError('E_TARGET', `no warehouse at ${target.path}: build it first`, {
      exitCode: ExitCode.failed,
    });
  const selected = selectNodes(compiled, options.select, options.exclude);
  const engine = await openDuckDB(':memory:', 'duckdb::memory: (etl verify)');
  const conn = await engine.connect();
  const checks: WindowCheck[] = [];
  const skipped: VerifySummary['skipped'] = [];
  try {
    try {
      await conn.run(`ATTACH ${quoteString(target.path)} AS ${WH} (READ_ONLY)`);
    } catch (error) {
      const message = errorMessage(error);
      if (/lock/i.test(message))
        throw new WarehouseInUseError(
          target.url,
          Number(/PID (\d+)/.exec(message)?.[1]) || undefined,
          error,
        );
      throw new EtlError('E_ENGINE', `cannot open ${target.url}: ${message}`, {
        exitCode: ExitCode.failed,
        cause: error,
      });
    }
    const ledger = await readLedger(conn);
    for (const name of compiled.graph.order) {
      const model = compiled.nodes.get(name);
      if (
        model?.kind !== 'model' ||
        !selected.has(name) ||
        model.config.materialized !== 'incremental'
      )
        continue;
      if (model.config.timeColumn === undefined || model.readsItself) {
        skipped.push({
          model: name,
          reason: model.readsItself
            ? 'it reads itself: a rebuild is not comparable'
            : 'unique_key models depend on the order of their runs',
        });
        continue;
      }
      const records = ledger.get(name) ?? new Map<number, LedgerRow>();
      const windows = windowsBetween(options.from, options.to, model.config.grain).filter(
        (w) => model.config.start === undefined || w.start >= model.config.start,
      );
      const stored =
        windows.length > 0
          ? await storedHashes(conn, model, windows)
          : new Map<number, { rows: number; hash: string }>();
      for (const window of windows) {
        const record = records.get(window.start);
        let check: WindowCheck;
        if (record === undefined) check = { model: name, window, status: 'missing' };
        else if (record.fingerprint !== model.fingerprint)
          check = { model: name, window, status: 'stale', ledger: record };
        else {
          const rebuilt = await rebuild(conn, compiled, model, window);
          const now = stored.get(window.start) ?? { rows: 0, hash: formatContentHash(0) };
          const reasons: string[] = [];
          if (rebuilt.rows !== record.rows || rebuilt.hash !== record.hash)
            reasons.push(
              `a rebuild gives ${rebuilt.rows} rows (hash ${rebuilt.hash}) where the ledger has ${record.rows} (hash ${record.hash}): a non-deterministic model, or inputs that changed`,
            );
          if (now.rows !== record.rows || now.hash !== record.hash)
            reasons.push(
              `the table holds ${now.rows} rows (hash ${now.hash}) where the ledger has ${record.rows} (hash ${record.hash}): rows changed outside etl`,
            );
          check = {
            model: name,
            window,
            status: reasons.length === 0 ? 'match' : 'mismatch',
            ledger: record,
            rebuilt,
            stored: now,
            ...(reasons.length === 0 ? {} : { reason: reasons.join('; ') }),
          };
        }
        checks.push(check);
        options.onWindow?.(check);
      }
    }
  } finally {
    await conn.close();
    await engine.close();
  }
  const count = (s: WindowCheck['status']) => checks.filter((c) => c.status === s).length;
  return {
    checks,
    matched: count('match'),
    mismatched: count('mismatch'),
    stale: count('stale'),
    missing: count('missing'),
    skipped,
  };
}

interface LedgerRow {
  readonly rows: number;
  readonly hash: string;
  readonly fingerprint: string;
}

async function readLedger(conn: Connection): Promise<Map<string, Map<number, LedgerRow>>> {
  const out = new Map<string, Map<number, LedgerRow>>();
  const exists = await conn.query(
    `SELECT 1 FROM information_schema.tables WHERE table_catalog = '${WH}' AND table_schema = '${STATE_SCHEMA}' AND table_name = 'partitions'`,
  );
  if (exists.length === 0) return out;
  const rows = await conn.query(
    `SELECT model, epoch_ms(window_start) AS s, row_count, content_hash, fingerprint FROM ${WH}.${STATE_SCHEMA}.partitions
QUALIFY row_number() OVER (PARTITION BY model, window_start ORDER BY finished_at DESC, run_id DESC) = 1`,
  );
  for (const r of rows) {
    const model = String(r.model);
    const byStart = out.get(model) ?? new Map<number, LedgerRow>();
    byStart.set(Number(r.s), {
      rows: Number(r.row_count),
      hash: String(r.content_hash ?? ''),
      fingerprint: String(r.fingerprint),
    });
    out.set(model, byStart);
  }
  return out;
}

/** A relation of the attached warehouse. */
function inWarehouse(relation: string): string {
  return `${quoteIdent(WH)}.${relation}`;
}

/** Rebuild one window in the scratch database, from the warehouse's inputs. */
async function rebuild(
  conn: Connection,
  compiled: CompiledGraph,
  model: CompiledModel,
  window: Window,
): Promise<{ rows: number; hash: string }> {
  const sql = renderModel(compiled, model, {
    window,
    isIncremental: true,
    overrides: {
      ref: (name) => {
        const node = compiled.nodes.get(name);
        return node === undefined ? undefined : inWarehouse(node.relation);
      },
      source: (group, name) => {
        const def = compiled.project.config.sources[group]?.[name];
        return def !== undefined && 'table' in def
          ? inWarehouse(def.table.split('.').map(quoteIdent).join('.'))
          : undefined;
      },
      self: inWarehouse(model.relation),
    },
  });
  const stage = quoteIdent(`etl_verify__${model.name}`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${stage} AS ${sql}`);
  try {
    const [row] = await conn.query(
      `SELECT count(*) AS n, ${contentHashExpression('etl_row__')} AS h FROM ${stage} AS etl_row__`,
    );
    return { rows: Number(row?.n ?? 0), hash: formatContentHash(row?.h) };
  } finally {
    await conn.run(`DROP TABLE ${stage}`);
  }
}

/** Row count and content hash of each window as the table holds it now; one scan. */
async function storedHashes(
  conn: Connection,
  model: CompiledModel,
  windows: readonly Window[],
): Promise<Map<number, { rows: number; hash: string }>> {
  const tc = quoteIdent(model.config.timeColumn ?? '');
  const first = windows[0]!;
  const last = windows[windows.length - 1]!;
  const rows = await conn.query(
    `SELECT epoch_ms(date_trunc('${model.config.grain}', ${tc}::TIMESTAMP)) AS w, count(*) AS n, ${contentHashExpression('etl_row__')} AS h
FROM (SELECT * FROM ${inWarehouse(model.relation)} WHERE ${tc} >= TIMESTAMP '${formatTimestamp(first.start)}' AND ${tc} < TIMESTAMP '${formatTimestamp(last.end)}') AS etl_row__
GROUP BY 1`,
  );
  return new Map(
    rows.map((r) => [Number(r.w), { rows: Number(r.n), hash: formatContentHash(r.h) }]),
  );
}
