import { existsSync } from 'node:fs';
import { EtlError, ExitCode, UsageError, WarehouseInUseError, errorMessage } from '../errors.js';
import { openDuckDB } from '../engine/duckdb.js';
import type { Column, Connection } from '../engine/adapter.js';
import { selectNodes } from '../compile/selection.js';
import type { CompiledGraph, CompiledModel } from '../compile/compiled-graph.js';
import type { Target } from '../engine/target.js';
import { openEngine } from '../engine/open-engine.js';
import { renderModel } from '../compile/compile-project.js';
import { formatDay, formatTimestamp, windowsBetween, type Window } from '../time/window.js';
import type { PartitionRecord } from '../state/ledger.js';
import { readWarehouseState, type WarehouseState } from '../state/warehouse-state.js';
import { DataVersions } from '../plan/data-versions.js';
import { windowStanding } from '../plan/window-state.js';
import { columnList, contentHash, formatContentHash, hashedColumns } from '../materialize/stage.js';
import { quoteIdent, subquery } from '../util/sql.js';
import { hashSeeds, openProject, type ProjectOptions } from './open-project.js';
import { parseDateInput, type DateInput } from './date-input.js';

/** Options of {@link verifyProject}. */
export interface VerifyOptions extends ProjectOptions {
  /** The first day to check (UTC). */
  readonly from: DateInput;
  /** The last day to check, included (UTC). */
  readonly to: DateInput;
  /** Selectors (`-s`); default: every model. */
  readonly select?: readonly string[];
  /** Selectors to leave out (`--exclude`). */
  readonly exclude?: readonly string[];
  /** Called as each window is checked. */
  readonly onWindow?: (check: WindowCheck) => void;
}

/** The outcome of checking one window. */
export interface WindowCheck {
  readonly model: string;
  readonly window: Window;
  /**
   * `match`; `mismatch` (the rebuild or the table differs from the ledger); `stale` (built
   * under another definition or from inputs that changed since: not comparable, and to
   * rebuild); `accepted` (its rows come from an older definition, accepted with
   * `--forward-only`: not comparable); `unverified` (current, in a model whose windows build
   * on earlier ones: not rebuilt alone); `missing` (no ledger row).
   */
  readonly status: 'match' | 'mismatch' | 'stale' | 'accepted' | 'unverified' | 'missing';
  readonly ledger?: { readonly rows: number; readonly hash: string };
  readonly rebuilt?: { readonly rows: number; readonly hash: string };
  readonly stored?: { readonly rows: number; readonly hash: string };
  readonly reason?: string;
  /** The command that repairs it. */
  readonly fix?: string;
}

/** What `etl verify` found. */
export interface VerifySummary {
  readonly checks: WindowCheck[];
  readonly matched: number;
  readonly mismatched: number;
  readonly stale: number;
  readonly accepted: number;
  readonly unverified: number;
  readonly missing: number;
  /** Models left out, and why. */
  readonly skipped: { readonly model: string; readonly reason: string }[];
}

const WH = 'etl_verify_wh';

/**
 * `etl verify --from A --to B`: in a scratch in-memory database with the warehouse attached
 * read-only, rebuild each selected window from the same inputs and compare its content hash
 * (an order-independent hash of its rows) and row count with the ledger's; also hash the rows
 * the table holds now. A window whose inputs changed since it was built is stale, not a
 * mismatch: its reason names the upstream part that changed. A rebuild from unchanged inputs
 * that differs means a non-deterministic model, a source that changed (etl cannot see
 * sources) or an upstream changed by hand; a table that differs means rows changed by hand.
 * Each finding comes with the command that repairs it.
 */
export async function verifyProject(options: VerifyOptions): Promise<VerifySummary> {
  const range = {
    from: parseDateInput(options.from, 'from'),
    to: parseDateInput(options.to, 'to'),
  };
  if (range.from > range.to) throw new UsageError('--from is after --to', '--from');
  const { compiled } = openProject(options);
  const selected = selectNodes(compiled, options.select, options.exclude);
  const { conn, wh, close } = await openForVerify(compiled.target);
  const checks: WindowCheck[] = [];
  const skipped: VerifySummary['skipped'] = [];
  const report = (check: WindowCheck): void => {
    checks.push(check);
    options.onWindow?.(check);
  };
  try {
    const state = await readWarehouseState(conn, compiled);
    const versions = new DataVersions(
      compiled,
      state,
      hashSeeds(compiled, new Set(compiled.nodes.keys())),
    );
    const scratch: Scratch = {
      conn,
      wh,
      compiled,
      state,
      versions,
      now: (options.clock ?? Date.now)(),
    };
    for (const name of compiled.graph.order) {
      const model = compiled.nodes.get(name);
      if (
        model?.kind !== 'model' ||
        !selected.has(name) ||
        model.config.materialized !== 'incremental'
      )
        continue;
      const reason = notComparable(model);
      if (reason !== undefined) skipped.push({ model: name, reason });
      await verifyModel({ ...scratch, model, comparable: reason === undefined }, range, report);
    }
  } finally {
    await close();
  }
  return tally(checks, skipped);
}

/** Where verify rebuilds windows, and how it names the warehouse's relations from there. */
interface VerifyConnection {
  readonly conn: Connection;
  /** A relation of the warehouse, as the rebuilds read it. */
  readonly wh: (relation: string) => string;
  readonly close: () => Promise<void>;
}

/**
 * A DuckDB file is attached read-only to a scratch in-memory database, so that verify never
 * writes to it nor holds its lock. On a server, verify reads the warehouse on its own
 * connection and rebuilds into temporary tables, which only that session sees.
 */
async function openForVerify(target: Target): Promise<VerifyConnection> {
  if (target.kind === 'postgres') {
    const engine = await openEngine(target);
    const conn = await engine.connect();
    return {
      conn,
      wh: (relation) => relation,
      close: async () => {
        await conn.close();
        await engine.close();
      },
    };
  }
  if (target.path === ':memory:')
    throw new EtlError('E_TARGET', 'etl verify needs a warehouse that outlives a run', {
      exitCode: ExitCode.badInput,
    });
  if (!existsSync(target.path))
    throw new EtlError('E_TARGET', `no warehouse at ${target.path}: build it first`, {
      exitCode: ExitCode.failed,
    });
  const engine = await openDuckDB(':memory:', 'duckdb::memory: (etl verify)');
  const conn = await engine.connect();
  const close = async (): Promise<void> => {
    await conn.close();
    await engine.close();
  };
  try {
    await attachWarehouse(conn, target);
  } catch (error) {
    await close();
    throw error;
  }
  return { conn, wh: (relation) => `${quoteIdent(WH)}.${relation}`, close };
}

/**
 * Attach the warehouse read-only to the scratch database, so that the ledger and relations
 * are read as in the warehouse itself. A lock held by another process is told as such.
 */
async function attachWarehouse(
  conn: Connection,
  warehouse: { readonly path: string; readonly url: string },
): Promise<void> {
  try {
    for (const statement of conn.dialect.attachReadOnly(warehouse.path, WH))
      await conn.run(statement);
  } catch (error) {
    const message = errorMessage(error);
    if (/lock/i.test(message))
      throw new WarehouseInUseError(
        warehouse.url,
        Number(/PID (\d+)/.exec(message)?.[1]) || undefined,
        error,
      );
    throw new EtlError('E_ENGINE', `cannot open ${warehouse.url}: ${message}`, {
      exitCode: ExitCode.failed,
      cause: error,
    });
  }
}

/** The scratch database, and what it read from the attached warehouse. */
interface Scratch {
  readonly conn: Connection;
  readonly wh: (relation: string) => string;
  readonly compiled: CompiledGraph;
  readonly state: WarehouseState;
  readonly versions: DataVersions;
  readonly now: number;
}

/** A model being verified, and whether its windows are rebuilt to compare. */
interface ModelScratch extends Scratch {
  readonly model: CompiledModel;
  readonly comparable: boolean;
}

/** A model whose windows are compared, with the columns and rows its table holds now. */
interface WindowScratch extends ModelScratch {
  readonly columns: readonly Column[];
  readonly stored: ReadonlyMap<number, Hashes>;
}

/**
 * Why a model's windows cannot be rebuilt alone to compare, if so: they build on earlier ones.
 * Their standing (stale, missing) is still checked.
 */
function notComparable(model: CompiledModel): string | undefined {
  if (model.config.timeColumn !== undefined && !model.readsItself) return undefined;
  return `${model.readsItself ? 'it reads itself' : 'unique_key models depend on the order of their runs'}: its windows are checked for staleness, not rebuilt to compare`;
}

/** Check each window of a model in the range; the table is scanned once for all of them. */
async function verifyModel(
  scratch: ModelScratch,
  range: { readonly from: number; readonly to: number },
  report: (check: WindowCheck) => void,
): Promise<void> {
  const { conn, state, model, comparable } = scratch;
  const records = new Map((state.partitions.get(model.name) ?? []).map((r) => [r.window.start, r]));
  const grain = model.config.uniqueKey !== undefined ? 'day' : model.config.grain;
  const windows = windowsBetween(range.from, range.to, grain).filter(
    (w) => model.config.start === undefined || w.start >= model.config.start,
  );
  const columns =
    windows.length > 0 && comparable
      ? await conn.columns(subquery(windowSql(scratch, model, windows[0]!)))
      : [];
  const stored =
    windows.length > 0 && comparable
      ? await storedHashes(scratch, model, windows, columns)
      : new Map<number, Hashes>();
  for (const window of windows)
    report(await checkWindow({ ...scratch, columns, stored }, window, records.get(window.start)));
}

/** How one window stands; a current window of a comparable model is also compared. */
async function checkWindow(
  scratch: WindowScratch,
  window: Window,
  record: PartitionRecord | undefined,
): Promise<WindowCheck> {
  const { model, versions, state, now } = scratch;
  const name = model.name;
  const day = formatDay(window.start);
  const last = formatDay(window.end - 1);
  const rebuild = `etl backfill --from ${day} --to ${last} -s ${name}+`;
  const standing = windowStanding(model, window, record, { versions, state, now });
  if (record === undefined || standing.state === 'missing')
    return { model: name, window, status: 'missing', fix: rebuild };
  const ledger = { rows: record.rowCount, hash: record.contentHash ?? '' };
  if (standing.state === 'stale')
    return {
      model: name,
      window,
      status: 'stale',
      ledger,
      reason: standing.reason,
      fix: rebuild,
    };
  if (!scratch.comparable) return { model: name, window, status: 'unverified', ledger };
  if (record.forwardOnly)
    return {
      model: name,
      window,
      status: 'accepted',
      ledger,
      reason: 'its rows come from an older definition, accepted with --forward-only',
      fix: `${rebuild} --force`,
    };
  return compareWindow(scratch, window, record, ledger, rebuild);
}

/**
 * Compare a window's rebuild and the rows its table holds with its ledger row. The fix forces
 * the rebuild unless a writing command would find the difference by itself.
 */
async function compareWindow(
  scratch: WindowScratch,
  window: Window,
  record: PartitionRecord,
  ledger: { readonly rows: number; readonly hash: string },
  rebuild: string,
): Promise<WindowCheck> {
  const { model } = scratch;
  // Rows from before data versions were hashed without column names.
  const pick = (h: Hashes) => ({
    rows: h.rows,
    hash: record.inputVersion === undefined ? h.legacy : h.hash,
  });
  const rebuilt = pick(await rebuildWindow(scratch, model, window));
  const held = pick(scratch.stored.get(window.start) ?? empty(scratch.columns));
  const reasons: string[] = [];
  let fix = rebuild;
  if (rebuilt.rows !== ledger.rows || rebuilt.hash !== ledger.hash) {
    reasons.push(
      `a rebuild gives ${rebuilt.rows} rows (hash ${rebuilt.hash}) where the ledger has ${ledger.rows} (hash ${ledger.hash}), from the same inputs as the ledger records them: an upstream table changed outside etl, a source changed (etl cannot see sources) or the model is not deterministic`,
    );
    fix = `${rebuild} --force`;
  }
  if (held.rows !== ledger.rows || held.hash !== ledger.hash) {
    reasons.push(
      `the table holds ${held.rows} rows (hash ${held.hash}) where the ledger has ${ledger.rows} (hash ${ledger.hash}): rows changed outside etl`,
    );
    // Writing commands find changed row counts by themselves; other edits need --force.
    if (held.rows === ledger.rows) fix = `${rebuild} --force`;
  }
  return {
    model: model.name,
    window,
    status: reasons.length === 0 ? 'match' : 'mismatch',
    ledger,
    rebuilt,
    stored: held,
    ...(reasons.length === 0 ? {} : { reason: reasons.join('; '), fix }),
  };
}

/** The checks, counted by status. */
function tally(checks: WindowCheck[], skipped: VerifySummary['skipped']): VerifySummary {
  const count = (s: WindowCheck['status']) => checks.filter((c) => c.status === s).length;
  return {
    checks,
    matched: count('match'),
    mismatched: count('mismatch'),
    stale: count('stale'),
    accepted: count('accepted'),
    unverified: count('unverified'),
    missing: count('missing'),
    skipped,
  };
}

/** A window's row count and content hash, as written now and as wave 1 wrote it (no names). */
interface Hashes {
  readonly rows: number;
  readonly hash: string;
  readonly legacy: string;
}

/** The SQL of a window, reading the warehouse. */
function windowSql(scratch: Scratch, model: CompiledModel, window: Window): string {
  const { compiled, wh } = scratch;
  return renderModel(compiled, model, {
    window,
    isIncremental: true,
    overrides: {
      ref: (name) => {
        const node = compiled.nodes.get(name);
        return node === undefined ? undefined : wh(node.relation);
      },
      source: (group, name) => {
        const def = compiled.project.config.sources[group]?.[name];
        return def !== undefined && 'table' in def
          ? wh(def.table.split('.').map(quoteIdent).join('.'))
          : undefined;
      },
      self: wh(model.relation),
    },
  });
}

/** Row count and both content hashes of `relation` (by window with `by`). */
async function hashesOf(
  conn: Connection,
  relation: string,
  columns: readonly Column[],
  by?: string,
): Promise<Map<number, Hashes>> {
  const rows = await conn.query(
    `SELECT ${by ?? '0'} AS w, count(*) AS n,
  ${conn.dialect.rowHashSum(conn.dialect.packRow(hashedColumns(columns)))} AS h,
  ${conn.dialect.rowHashSum(conn.dialect.packRow(columnList(columns)))} AS l
FROM ${relation} GROUP BY 1`,
  );
  return new Map(
    rows.map((r) => [
      Number(r.w),
      {
        rows: Number(r.n),
        hash: contentHash(r.h ?? 0, columns),
        legacy: formatContentHash(r.l ?? 0),
      },
    ]),
  );
}

/** Rebuild one window in the scratch database, from the warehouse's inputs. */
async function rebuildWindow(
  scratch: Scratch,
  model: CompiledModel,
  window: Window,
): Promise<Hashes> {
  const { conn } = scratch;
  const stage = quoteIdent(`etl_verify__${model.name}`);
  await conn.run(`CREATE TEMP TABLE ${stage} AS ${windowSql(scratch, model, window)}`);
  try {
    const hashes = await hashesOf(conn, stage, await conn.columns(stage));
    return hashes.get(0) ?? empty(await conn.columns(stage));
  } finally {
    await conn.run(`DROP TABLE ${stage}`);
  }
}

/** The hashes of no rows. */
function empty(columns: readonly Column[]): Hashes {
  return { rows: 0, hash: contentHash(0, columns), legacy: formatContentHash(0) };
}

/**
 * Row count and content hashes of each window as the table holds it now, over the columns the
 * model's query has (the table may hold more); one scan.
 */
async function storedHashes(
  scratch: Scratch,
  model: CompiledModel,
  windows: readonly Window[],
  columns: readonly Column[],
): Promise<Map<number, Hashes>> {
  const tc = quoteIdent(model.config.timeColumn ?? '');
  const first = windows[0]!;
  const last = windows[windows.length - 1]!;
  return hashesOf(
    scratch.conn,
    `(SELECT * FROM ${scratch.wh(model.relation)} WHERE ${tc} >= TIMESTAMP '${formatTimestamp(first.start)}' AND ${tc} < TIMESTAMP '${formatTimestamp(last.end)}')`,
    columns,
    scratch.conn.dialect.windowKey(tc, model.config.grain),
  );
}
