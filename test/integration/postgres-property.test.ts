import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { backfillProject, buildProject, catchUpProject } from '../../core/api/build.js';
import { projectStatus, statusWindows } from '../../core/api/status.js';
import type { RunSummary } from '../../core/execute/run-summary.js';
import { openEngine } from '../../core/engine/open-engine.js';
import { parseTarget } from '../../core/engine/target.js';
import type { Connection, Engine } from '../../core/engine/adapter.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import {
  lineageDay,
  lineageProjectFiles,
  type LineageVariant,
} from '../helpers/lineage-project.js';
import { withConnection } from '../helpers/duckdb.js';
import { freshDatabase, snapshotPostgres } from '../helpers/postgres.js';
import { END, expectScopedPlan, ledgerSkipped, op, type Op } from '../helpers/lineage-ops.js';

/**
 * The law of the ledger (test/integration/idempotency-property.test.ts) on PostgreSQL: any
 * sequence of builds, backfills, catch-up runs, full refreshes, forced rebuilds, seed edits and
 * model edits, followed by `etl run --until END`, leaves every table and every ledger row equal
 * to one clean backfill of the project as it then is, each on a database of its own; and at
 * every step, each window `status` calls done holds the rows a clean build would give it.
 *
 * Fewer and shorter sequences than on DuckDB (a step is a round trip to a server):
 * ETL_SLOW_TESTS=1 runs more, ETL_PROPERTY_RUNS sets the number.
 */
const SLOW = process.env.ETL_SLOW_TESTS === '1';
const RUNS = Number(process.env.ETL_PROPERTY_RUNS ?? (SLOW ? 40 : 8));
const MAX_OPS = SLOW ? 6 : 5;
/** About a minute in CI by default (a clean backfill is a few seconds of it). */
const TIMEOUT = SLOW ? 1_800_000 : 300_000;
const day = (i: number): number => lineageDay(i);

const json = (r: unknown): string =>
  JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/** daily_tier as it reads, whether a table or a view. */
async function tierRows(c: Connection): Promise<string[]> {
  return (await c.query('SELECT * FROM main.daily_tier ORDER BY 1, 2, 3')).map(json);
}

/** The newest ledger row's content hash of each window, as `model@start` (epoch ms). */
async function windowHashes(c: Connection): Promise<Map<string, string>> {
  if ((await c.relationKind('etl_state', 'partitions')) === undefined) return new Map();
  const rows = await c.query(
    `SELECT DISTINCT ON (model, window_start) model,
       ((extract(epoch from window_start) * 1000)::bigint)::text AS s, content_hash
     FROM etl_state.partitions ORDER BY model, window_start, seq DESC`,
  );
  return new Map(rows.map((r) => [`${String(r.model)}@${String(r.s)}`, String(r.content_hash)]));
}

interface Clean {
  readonly tables: Record<string, string[]>;
  readonly windows: Map<string, string>;
  readonly tier: string[];
}

/** Where a sequence runs: the project folder, its database and an engine open on it. */
interface Warehouse {
  readonly project: string;
  readonly target: string;
  readonly engine: Engine;
}

/** A fresh database with an engine open on it, closed and dropped after `work`. */
async function withWarehouse<T>(project: string, work: (w: Warehouse) => Promise<T>): Promise<T> {
  const db = await freshDatabase();
  try {
    const target = `${db.url}?schema=main`;
    const engine = await openEngine(parseTarget(target, project));
    try {
      return await work({ project, target, engine });
    } finally {
      await engine.close();
    }
  } finally {
    await db.drop();
  }
}

/**
 * Run one command of a sequence; a build or backfill first plans from the ledger rows of the
 * windows it can look at, which must be the plan it makes from the whole ledger.
 */
async function runOp(
  w: Warehouse,
  o: Exclude<Op, { kind: 'edit' }>,
): Promise<{ summary: RunSummary }> {
  await expectScopedPlan(w, o, day);
  if (o.kind === 'build')
    return buildProject({
      ...w,
      date: day(o.date),
      threads: o.threads,
      fullRefresh: o.fullRefresh,
      ...(o.only === undefined ? {} : { select: [`+${o.only}`] }),
    });
  if (o.kind === 'backfill')
    return backfillProject({
      ...w,
      from: day(o.from),
      to: day(o.to),
      force: o.force,
      threads: o.threads,
      ...(o.batch === undefined ? {} : { batchSize: o.batch }),
    });
  return catchUpProject({ ...w, until: day(o.until), threads: o.threads });
}

/** Every window status calls done holds what a clean build would give it. */
async function expectDoneWindowsClean(w: Warehouse, reference: Clean, after: Op): Promise<void> {
  const hashes = await withConnection(w.engine, windowHashes);
  for (const model of await projectStatus({ ...w, until: day(END) }))
    for (const s of statusWindows(model))
      // seen reads the upsert's table as it stands, which grows with the days built so far:
      // only the end state compares with a clean build of the whole range.
      if (s.state === 'done' && model.name !== 'seen') {
        const key = `${model.name}@${s.window.start}`;
        expect(hashes.get(key), `${key} is done after ${JSON.stringify(after)}`).toBe(
          reference.windows.get(key),
        );
      }
}

/** `run --until END` ends equal to the clean build, and is then a fixed point. */
async function expectEndClean(
  w: Warehouse,
  url: string,
  variant: LineageVariant,
  reference: Clean,
): Promise<void> {
  const { summary } = await catchUpProject({ ...w, until: day(END) });
  expect(summary.failures).toEqual([]);
  expect(await snapshotPostgres(url, ledgerSkipped(variant))).toEqual(reference.tables);
  expect(await withConnection(w.engine, tierRows)).toEqual(reference.tier);
  const again = await catchUpProject({ ...w, until: day(END) });
  expect(again.summary.partitions.built).toBe(0);
  for (const model of await projectStatus({ ...w, until: day(END) }))
    expect(
      [...statusWindows(model)].filter((s) => s.state === 'stale' || s.state === 'missing'),
      model.name,
    ).toEqual([]);
}

/** The database URL of a warehouse (without etl's `schema` parameter), for snapshots. */
const serverUrl = (w: Warehouse): string => w.target.replace(/\?schema=main$/, '');

describe('the law of data versions on PostgreSQL', () => {
  const clean = new Map<string, Clean>();
  const projects: TempProject[] = [];
  afterAll(() => {
    for (const p of projects) p.cleanup();
  });

  /** A clean backfill of the whole range of the project in `variant`, on its own database. */
  async function cleanBuild(variant: LineageVariant): Promise<Clean> {
    // C differs from A in comments and spacing only: the same build, the same fingerprints.
    const key = `${variant.events}${variant.users}${variant.daily === 'C' ? 'A' : variant.daily}${variant.tier ?? 'day'}${variant.tierAs ?? 'incremental'}`;
    const cached = clean.get(key);
    if (cached) return cached;
    const project = tempProject(lineageProjectFiles(variant));
    projects.push(project);
    const result = await withWarehouse(project.root, async (w) => {
      const { summary } = await backfillProject({ ...w, from: day(0), to: day(END) });
      expect(summary.status).toBe('success');
      const tables = await snapshotPostgres(serverUrl(w), ledgerSkipped(variant));
      // The snapshot sees the models' tables and the ledger in their schemas.
      for (const t of ['main.daily', 'main.hourly', 'main.running', 'etl_state.partitions'])
        expect(tables[t]?.length, t).toBeGreaterThan(0);
      const windows = await withConnection(w.engine, windowHashes);
      // Windows are keyed as status names them, or the done-window check would check nothing.
      expect(windows.get(`daily@${day(END)}`)).toBeDefined();
      return { tables, windows, tier: await withConnection(w.engine, tierRows) };
    });
    clean.set(key, result);
    return result;
  }

  /** Run a sequence on a fresh database, checking done windows after each step. */
  async function runSequence(project: TempProject, ops: readonly Op[]): Promise<void> {
    let variant: LineageVariant = { events: 'A', users: 'A', daily: 'A' };
    const write = (): void => {
      for (const [file, text] of Object.entries(lineageProjectFiles(variant)))
        project.write(file, text);
    };
    write();
    await withWarehouse(project.root, async (w) => {
      for (const o of ops) {
        if (o.kind === 'edit') {
          variant = { ...variant, ...o.change };
          write();
        } else {
          const { summary } = await runOp(w, o);
          expect(summary.failures).toEqual([]);
        }
        await expectDoneWindowsClean(w, await cleanBuild(variant), o);
      }
      await expectEndClean(w, serverUrl(w), variant, await cleanBuild(variant));
    });
  }

  it(
    'any sequence of commands and edits, then run --until END, equals one clean backfill',
    async () => {
      const project = tempProject(lineageProjectFiles());
      projects.push(project);
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: MAX_OPS }), (ops) =>
          runSequence(project, ops),
        ),
        { numRuns: RUNS, endOnFailure: true },
      );
    },
    TIMEOUT,
  );
});
