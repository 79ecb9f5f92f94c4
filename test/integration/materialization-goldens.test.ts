import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadProject } from '../../core/project/load-project.js';
import { compileProject } from '../../core/compile/compile-project.js';
import type {
  CompiledGraph,
  CompiledModel,
  CompiledSeed,
} from '../../core/compile/compiled-graph.js';
import { parseTarget } from '../../core/engine/target.js';
import { openDuckDB } from '../../core/engine/duckdb.js';
import type { Column, Connection, Engine } from '../../core/engine/adapter.js';
import { DUCKDB, type Dialect } from '../../core/engine/dialect.js';
import { POSTGRES } from '../../core/engine/postgres-dialect.js';
import { openPostgres } from '../../core/engine/postgres.js';
import { freshDatabase } from '../helpers/postgres.js';
import { ensureLedger } from '../../core/state/ledger-schema.js';
import type { Step } from '../../core/plan/plan.js';
import { renderStep } from '../../core/plan/render-step.js';
import { viewStatements } from '../../core/materialize/view.js';
import { tableStatements } from '../../core/materialize/table.js';
import { incrementalStatements } from '../../core/materialize/incremental.js';
import { upsertStatements } from '../../core/materialize/upsert.js';
import { discardStatements, swapStatements } from '../../core/materialize/swap-refresh.js';
import { seedsStatements } from '../../core/materialize/seed.js';
import { formatStatements, type Statement } from '../../core/materialize/statement.js';
import { rowsOf, runStatements } from '../../core/materialize/run-statements.js';
import { dataTestsOf } from '../../core/materialize/test-statements.js';
import { contentHash, hashedColumns } from '../../core/materialize/stage.js';
import type { ModelWrite } from '../../core/materialize/write-context.js';
import { dayWindow, windowsBetween, type Window } from '../../core/time/window.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';

/**
 * Golden SQL per materialization and dialect, from the pure functions that make a step's
 * statements (no database): what each step runs, in order, with its purpose. The same
 * statements then run on a real DuckDB file, and what they return (row counts, content
 * hashes) is checked against the rows they wrote.
 */
const FILES = {
  'seeds/raw_events.csv':
    'id,user_id,ts,amount\n1,7,2024-01-14 23:00:00,1.50\n2,7,2024-01-15 10:00:00,2.25\n3,8,2024-01-15 11:30:00,4.00\n4,8,2024-01-16 09:00:00,1.00\n',
  'models/stg_events.sql':
    "{{ config(materialized='view') }}\nselect id, user_id, ts, amount from {{ ref('raw_events') }}",
  'models/users.sql':
    "{{ config(materialized='table') }}\nselect user_id, count(*) as events from {{ ref('stg_events') }} group by user_id",
  'models/daily_amounts.sql':
    "{{ config(materialized='incremental', time_column='day', grain='day', start='2024-01-01') }}\nselect ts::date as day, sum(amount) as amount\nfrom {{ ref('stg_events') }}\nwhere ts >= {{ start }} and ts < {{ end }}\ngroup by 1",
  'models/user_latest.sql':
    "{{ config(materialized='incremental', unique_key='user_id') }}\nselect user_id, max(ts) as last_at from {{ ref('stg_events') }} where ts < {{ end }} group by user_id",
  'models/schema.yml':
    'models:\n  - name: daily_amounts\n    columns:\n      - name: day\n        tests: [not_null, unique]\n',
};

const DAY = Date.UTC(2024, 0, 15);
const META = { runId: 'run-1', now: Date.UTC(2024, 0, 16, 2), tests: undefined };
const DIALECTS = [DUCKDB, POSTGRES];
/** A target of each engine, for compiling (no connection is made). */
const TARGETS = { duckdb: 'duckdb::memory:', postgres: 'postgres://etl@localhost/etl' };

let project: TempProject;
/** The project compiled for the engine under test (its schema: main or public). */
let compiled: CompiledGraph;
let conn: Connection;

beforeAll(() => {
  project = tempProject(FILES);
});

afterAll(() => project.cleanup());

function compileFor(dialect: Dialect, url = TARGETS[dialect.name]): CompiledGraph {
  return compileProject(loadProject(project.root), { target: parseTarget(url, project.root) });
}

function model(name: string): CompiledModel {
  const node = compiled.nodes.get(name);
  if (node?.kind !== 'model') throw new Error(name);
  return node;
}

function step(
  name: string,
  kind: Step['kind'],
  windows: Window[],
  extra: Partial<Step> = {},
): Step {
  const span =
    windows.length > 0 ? { start: windows[0]!.start, end: windows.at(-1)!.end } : dayWindow(DAY);
  return {
    id: name,
    model: name,
    kind,
    windows,
    renderWindow: span,
    isIncremental: false,
    refresh: undefined,
    dependsOn: [],
    reason: 'missing',
    conditional: false,
    ...extra,
  };
}

function write(s: Step, extra: Partial<ModelWrite> = {}): ModelWrite {
  const inputs = new Map(
    s.windows.map((w) => [
      w.start,
      { version: 'v1', inputStart: w.start, partial: undefined, seen: 0 },
    ]),
  );
  return { step: s, model: model(s.model), sql: renderStep(compiled, s), inputs, ...extra };
}

const AMOUNTS: Column[] = [
  { name: 'day', type: 'DATE' },
  { name: 'amount', type: 'DECIMAL(18,2)' },
];
const LATEST: Column[] = [
  { name: 'user_id', type: 'BIGINT' },
  { name: 'last_at', type: 'TIMESTAMP' },
];
const USERS: Column[] = [
  { name: 'user_id', type: 'BIGINT' },
  { name: 'events', type: 'BIGINT' },
];

/**
 * Each case: a name and its statements for a dialect. In order: they also run in order. Seeds
 * load through DuckDB's CSV reader, which PostgreSQL has not: their case is DuckDB's.
 */
const CASES: [string, (d: Dialect) => Statement[]][] = [
  [
    'seed',
    (d) =>
      seedsStatements(
        d,
        [{ seed: compiled.nodes.get('raw_events') as CompiledSeed, fileHash: 'f1' }],
        new Map([['raw_events', undefined]]),
        META,
      ),
  ],
  [
    'view',
    (d) =>
      viewStatements(
        write(step('stg_events', 'view', []), { inputVersion: 'v1' }),
        d,
        undefined,
        META,
      ),
  ],
  [
    'table',
    (d) =>
      tableStatements(
        write(step('users', 'table', []), { inputVersion: 'v1' }),
        d,
        { columns: USERS, existing: undefined },
        META,
      ),
  ],
  [
    'incremental-create',
    (d) =>
      incrementalStatements(
        write(step('daily_amounts', 'incremental', [dayWindow(DAY)])),
        d,
        { columns: AMOUNTS, existing: undefined },
        { ...META, tests: dataTestsOf(compiled) },
      ),
  ],
  [
    'incremental-batch',
    (d) =>
      incrementalStatements(
        write(
          step(
            'daily_amounts',
            'incremental',
            windowsBetween(DAY - 86_400_000, DAY + 86_400_000, 'day'),
            {
              isIncremental: true,
            },
          ),
        ),
        d,
        { columns: AMOUNTS, existing: 'table' },
        META,
      ),
  ],
  [
    'upsert-create',
    (d) =>
      upsertStatements(
        write(step('user_latest', 'upsert', [dayWindow(DAY)])),
        d,
        { columns: LATEST, existing: undefined, tableColumns: LATEST, reshaped: false },
        META,
      ),
  ],
  [
    'incremental-refresh',
    (d) =>
      incrementalStatements(
        write(step('daily_amounts', 'incremental', [dayWindow(DAY)], { refresh: 'start' })),
        d,
        { columns: AMOUNTS, existing: undefined },
        META,
      ),
  ],
  [
    'swap',
    (d) =>
      swapStatements(
        write(step('daily_amounts', 'swap', [], { refresh: 'continue', isIncremental: true })),
        d,
        { columns: AMOUNTS, existing: 'table' },
        META,
      ),
  ],
  ['discard', (d) => discardStatements(write(step('daily_amounts', 'discard', [])), d)],
];

describe('golden SQL per materialization, without a database', () => {
  for (const dialect of DIALECTS)
    it.each(CASES.filter(([name]) => dialect.name === 'duckdb' || name !== 'seed'))(
      `${dialect.name}: %s`,
      async (name, make) => {
        compiled = compileFor(dialect);
        const text = formatStatements(make(dialect)).replaceAll(project.root, '<project>');
        await expect(`${text}\n`).toMatchFileSnapshot(`../goldens/${dialect.name}/${name}.sql`);
      },
    );
});

describe('locks', () => {
  it('an engine that takes step locks takes them first in the transaction, then claims', () => {
    compiled = compileFor(DUCKDB);
    const locking = {
      ...DUCKDB,
      stepLock: (keys: readonly string[], wait: boolean) =>
        `SELECT lock(${keys.map((k) => `'${k}'`).join(', ')}, ${wait})`,
    };
    const batch = CASES.find(([name]) => name === 'incremental-batch')![1](locking);
    expect(batch.slice(0, 2).map((s) => [s.purpose, s.sql])).toEqual([
      ['begin', 'BEGIN TRANSACTION'],
      [
        'lock',
        `SELECT lock('"main"."daily_amounts"@${DAY - 86_400_000}', '"main"."daily_amounts"@${DAY}', '"main"."daily_amounts"@${DAY + 86_400_000}', false)`,
      ],
    ]);
    expect(batch[2]).toMatchObject({ purpose: 'claim', all: 3 });
    const table = CASES.find(([name]) => name === 'table')![1](locking);
    expect(table.filter((s) => s.purpose === 'lock').map((s) => s.sql)).toEqual([
      `SELECT lock('"main"."users"', false)`,
    ]);
  });
});

/** A fresh database of an engine: a DuckDB file, or a database on the test PostgreSQL server. */
async function openFresh(
  kind: 'duckdb' | 'postgres',
): Promise<{ engine: Engine; cleanup: () => Promise<void> }> {
  if (kind === 'duckdb') {
    const dir = mkdtempSync(join(tmpdir(), 'etl-goldens-'));
    return {
      engine: await openDuckDB(join(dir, 'warehouse.duckdb')),
      cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const db = await freshDatabase();
  const target = parseTarget(db.url, project.root);
  if (target.kind !== 'postgres') throw new Error(db.url);
  return {
    engine: await openPostgres({ url: target.server, schema: target.schema }, db.url),
    cleanup: db.drop,
  };
}

describe.each(['duckdb', 'postgres'] as const)(
  'the same statements on a real %s database',
  (kind) => {
    let engine: Engine;
    let cleanup: () => Promise<void>;
    const url = (): string => (kind === 'duckdb' ? TARGETS.duckdb : inject('postgresUrl'));
    const rel = (name: string): string => compiled.nodes.get(name)!.relation;

    beforeAll(async () => {
      ({ engine, cleanup } = await openFresh(kind));
      conn = await engine.connect();
      await ensureLedger(conn);
      compiled = compileFor(conn.dialect, url());
      if (kind === 'postgres')
        // Seeds reach PostgreSQL through DuckDB's reader (a later step): the rows, made here.
        await conn.run(
          `CREATE TABLE public.raw_events AS SELECT * FROM (VALUES (1, 7, TIMESTAMP '2024-01-14 23:00:00', 1.50), (2, 7, TIMESTAMP '2024-01-15 10:00:00', 2.25), (3, 8, TIMESTAMP '2024-01-15 11:30:00', 4.00), (4, 8, TIMESTAMP '2024-01-16 09:00:00', 1.00)) AS t(id, user_id, ts, amount)`,
        );
    });

    afterAll(async () => {
      await conn.close();
      await engine.close();
      await cleanup();
    });

    it('run in order, and return the counts and hashes of the rows they wrote', async () => {
      const hashOf = async (
        relation: string,
        where = 'true',
      ): Promise<{ n: number; hash: string }> => {
        const columns = await conn.columns(relation);
        const [row] = await conn.query(
          `SELECT count(*) AS n, ${conn.dialect.rowHashSum('etl_row__')} AS h FROM (SELECT ${hashedColumns(columns)} FROM ${relation} WHERE ${where}) AS etl_row__`,
        );
        return { n: Number(row?.n), hash: contentHash(row?.h ?? 0, columns) };
      };
      const amountsOn = (ms: number) =>
        hashOf(rel('daily_amounts'), `day = DATE '${new Date(ms).toISOString().slice(0, 10)}'`);
      const returned = new Map<string, Awaited<ReturnType<typeof runStatements>>>();
      // What each case wrote, checked right after it (later cases rewrite the same tables).
      const checks: Record<
        string,
        (r: Awaited<ReturnType<typeof runStatements>>) => Promise<void>
      > = {
        seed: async (r) => {
          expect(rowsOf(r, 'record')).toEqual([{ row_count: 4n }]);
          expect((await hashOf(rel('raw_events'))).n).toBe(4);
        },
        table: async (r) => {
          const [record] = rowsOf(r, 'record');
          expect({ n: Number(record?.row_count), hash: record?.content_hash }).toEqual(
            await hashOf(rel('users')),
          );
        },
        'incremental-create': async (r) => {
          // Tested inside its transaction: not_null and unique pass.
          expect(r.tests.map((t) => [t.name, t.status])).toEqual([
            ['not_null(daily_amounts.day)', 'pass'],
            ['unique(daily_amounts.day)', 'pass'],
          ]);
          const [row] = rowsOf(r, 'ledger');
          expect({ n: Number(row?.row_count), hash: row?.content_hash }).toEqual(
            await amountsOn(DAY),
          );
        },
        'incremental-batch': async (r) => {
          // One ledger row per window, each with its own count and hash.
          const rows = rowsOf(r, 'ledger');
          expect(rows.map((row) => Number(row.w))).toEqual([
            DAY - 86_400_000,
            DAY,
            DAY + 86_400_000,
          ]);
          for (const row of rows)
            expect({ n: Number(row.row_count), hash: row.content_hash }).toEqual(
              await amountsOn(Number(row.w)),
            );
        },
        'upsert-create': async (r) => {
          expect(rowsOf(r, 'record')[0]?.content_hash).toBe(
            (await hashOf(rel('user_latest'))).hash,
          );
        },
        swap: async (r) => {
          // The refresh wrote one window aside; the swap moved it in with its ledger row.
          expect(rowsOf(r, 'ledger').map((row) => Number(row.w))).toEqual([DAY]);
          expect((await hashOf(rel('daily_amounts'))).n).toBe(1);
          const [left] = await conn.query(`SELECT count(*) AS n FROM etl_state.refreshing`);
          expect(Number(left?.n)).toBe(0);
        },
      };
      for (const [name, make] of CASES) {
        if (kind === 'postgres' && name === 'seed') continue;
        const results = await runStatements(conn, make(conn.dialect));
        returned.set(name, results);
        await checks[name]?.(results);
      }
      expect([...returned.keys()]).toEqual(
        CASES.map(([name]) => name).filter((name) => kind === 'duckdb' || name !== 'seed'),
      );
    });

    it('an empty window hashes as an empty relation of its columns', async () => {
      const s = step('daily_amounts', 'incremental', [dayWindow(Date.UTC(2024, 5, 1))], {
        isIncremental: true,
      });
      const results = await runStatements(
        conn,
        incrementalStatements(
          write(s),
          conn.dialect,
          { columns: AMOUNTS, existing: 'table' },
          META,
        ),
      );
      const [row] = rowsOf(results, 'ledger');
      expect(Number(row?.row_count)).toBe(0);
      expect(row?.content_hash).toBe(contentHash(0, AMOUNTS));
    });
  },
);
