import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, Engine } from '../../core/engine/adapter.js';
import { openDuckDB } from '../../core/engine/duckdb.js';
import { openPostgres } from '../../core/engine/postgres.js';
import { parseTarget } from '../../core/engine/target.js';
import { ensureLedger } from '../../core/state/ledger-schema.js';
import {
  NEXT_SEQ,
  insertPartitionsSql,
  readPartitions,
  type NewPartition,
  type PartitionRecord,
} from '../../core/state/ledger.js';
import { freshDatabase } from '../helpers/postgres.js';

/**
 * The ledger as read back (readPartitions): the newest row of each window, in time order,
 * whatever the order and the definitions its rows were written in. The read groups the rows
 * by model and fingerprint and merges the groups; these rows interleave fingerprints, rewrite
 * windows, and carry every optional field, on a DuckDB file and on PostgreSQL.
 */
const HOUR = 3_600_000;
let dir: string;
let db: Awaited<ReturnType<typeof freshDatabase>>;
const opened: { engine: Engine; conn: Connection }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'etl-ledger-read-'));
  db = await freshDatabase();
});

afterAll(async () => {
  for (const { engine, conn } of opened) {
    await conn.close();
    await engine.close();
  }
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function open(kind: 'duckdb' | 'postgres'): Promise<Connection> {
  let engine: Engine;
  if (kind === 'duckdb') engine = await openDuckDB(join(dir, 'w.duckdb'));
  else {
    const target = parseTarget(db.url, dir);
    if (target.kind !== 'postgres') throw new Error('expected a PostgreSQL target');
    engine = await openPostgres({ url: target.server, schema: target.schema }, db.url);
  }
  const conn = await engine.connect();
  opened.push({ engine, conn });
  await ensureLedger(conn);
  return conn;
}

/** Every field of a record as read, as a plain object (records are views of columns). */
function plain(r: PartitionRecord): PartitionRecord {
  return {
    model: r.model,
    window: r.window,
    fingerprint: r.fingerprint,
    rowCount: r.rowCount,
    contentHash: r.contentHash,
    inputVersion: r.inputVersion,
    inputStart: r.inputStart,
    partial: r.partial,
    forwardOnly: r.forwardOnly,
    seq: r.seq,
    firstSeq: r.firstSeq,
  };
}

/** A ledger row of window `i` (hours from `base`) of `model`. */
function row(
  model: string,
  i: number,
  fingerprint: string,
  extra: Partial<NewPartition> = {},
  base = Date.UTC(2024, 0, 1),
): NewPartition {
  return {
    model,
    window: { start: base + i * HOUR, end: base + (i + 1) * HOUR },
    fingerprint,
    rowCount: 10 + i,
    contentHash: `c${i}${fingerprint}`,
    inputVersion: `v${i % 2}`,
    inputStart: undefined,
    partial: undefined,
    forwardOnly: false,
    runId: 'r',
    finishedAt: Date.UTC(2024, 5, 1),
    ...extra,
  };
}

describe.each(['duckdb', 'postgres'] as const)('the ledger read back on %s', (kind) => {
  it('gives the newest row of each window in time order, fingerprints interleaved', async () => {
    const conn = await open(kind);
    const A = 'a.cfg.sql1';
    const B = 'b.cfg.sql2';
    // Written out of time order, in four commits; seq is assigned in insertion order.
    const commits: NewPartition[][] = [
      [row('m', 3, A), row('m', 0, A), row('m', 4, A), row('m', 1, A), row('m', 2, A)],
      // Windows 1 and 3 rebuilt under B; window 2 accepted under B with --forward-only.
      [row('m', 1, B), row('m', 3, B, { partial: 'open', contentHash: undefined })],
      [row('m', 2, B, { forwardOnly: true, inputStart: Date.UTC(2023, 11, 31, 22) })],
      // Another model, with windows before 1970 (negative epoch ms) and no input version.
      [
        row('old', 1, A, { inputVersion: undefined }, Date.UTC(1969, 11, 31, 22)),
        row('old', 0, A, { inputVersion: undefined }, Date.UTC(1969, 11, 31, 22)),
      ],
    ];
    for (const records of commits) await conn.run(insertPartitionsSql(records));
    const read = await readPartitions(conn);
    const seqOf = async (model: string, i: number, newest: boolean): Promise<number> => {
      const base = model === 'old' ? Date.UTC(1969, 11, 31, 22) : Date.UTC(2024, 0, 1);
      const [r] = await conn.query(
        `SELECT ${newest ? 'max' : 'min'}(seq) AS seq FROM etl_state.partitions WHERE model = '${model}' AND ${conn.dialect.epochMs('window_start')} = ${base + i * HOUR}`,
      );
      return Number(r!.seq);
    };
    const expected = async (r: NewPartition, rewritten: boolean): Promise<PartitionRecord> => {
      const i = Math.round(
        (r.window.start - (r.model === 'old' ? Date.UTC(1969, 11, 31, 22) : Date.UTC(2024, 0, 1))) /
          HOUR,
      );
      return plain({
        ...r,
        seq: await seqOf(r.model, i, true),
        firstSeq: await seqOf(r.model, i, !rewritten),
      });
    };
    const m = read.get('m')!;
    expect(m.map((r) => r.window.start)).toEqual(
      [0, 1, 2, 3, 4].map((i) => Date.UTC(2024, 0, 1) + i * HOUR),
    );
    expect(m.map(plain)).toEqual([
      await expected(row('m', 0, A), false),
      await expected(row('m', 1, B), true),
      await expected(
        row('m', 2, B, { forwardOnly: true, inputStart: Date.UTC(2023, 11, 31, 22) }),
        true,
      ),
      await expected(row('m', 3, B, { partial: 'open', contentHash: undefined }), true),
      await expected(row('m', 4, A), false),
    ]);
    expect(m[1]!.firstSeq).toBeLessThan(m[1]!.seq);
    expect(read.get('old')!.map(plain)).toEqual([
      await expected(
        row('old', 0, A, { inputVersion: undefined }, Date.UTC(1969, 11, 31, 22)),
        false,
      ),
      await expected(
        row('old', 1, A, { inputVersion: undefined }, Date.UTC(1969, 11, 31, 22)),
        false,
      ),
    ]);
    expect(read.get('old')![0]!.window.start).toBeLessThan(0);
    // A span reads the windows inside it only (bounds excluded).
    const spans = new Map([
      ['m', { start: Date.UTC(2024, 0, 1), end: Date.UTC(2024, 0, 1) + 3 * HOUR }],
    ]);
    const part = await readPartitions(conn, { spans });
    expect(part.get('m')!.map((r) => r.fingerprint)).toEqual([B, B]);
    expect(part.get('old')).toHaveLength(2);
  });

  it('gives one row per window of a ledger edited by hand to repeat a seq', async () => {
    const conn = await open(kind);
    const withSeq = (r: NewPartition, seq: number): string =>
      insertPartitionsSql([r]).replace(NEXT_SEQ, String(seq));
    // Window 0 rewritten (seq 900001, then 900003); window 1 given the same seq by hand.
    await conn.run(withSeq(row('dup', 0, 'a.c.s'), 900001));
    await conn.run(withSeq(row('dup', 0, 'b.c.s'), 900003));
    await conn.run(withSeq(row('dup', 1, 'a.c.s'), 900003));
    await conn.run(withSeq(row('dup', 2, 'a.c.s'), 900002));
    // Window 3 written partial (seq 900005), then complete (900006); window 4's newest row
    // given 900005 by hand: both rows of window 3 come back in one group, the newer wins.
    await conn.run(withSeq(row('dup', 3, 'a.c.s', { partial: 'open' }), 900005));
    await conn.run(withSeq(row('dup', 3, 'a.c.s'), 900006));
    await conn.run(withSeq(row('dup', 4, 'a.c.s'), 900005));
    const read = (await readPartitions(conn, { models: ['dup'] })).get('dup')!;
    expect(read.map((r) => [r.window.start, r.fingerprint, r.seq, r.partial])).toEqual([
      [Date.UTC(2024, 0, 1), 'b.c.s', 900003, undefined],
      [Date.UTC(2024, 0, 1) + HOUR, 'a.c.s', 900003, undefined],
      [Date.UTC(2024, 0, 1) + 2 * HOUR, 'a.c.s', 900002, undefined],
      [Date.UTC(2024, 0, 1) + 3 * HOUR, 'a.c.s', 900006, undefined],
      [Date.UTC(2024, 0, 1) + 4 * HOUR, 'a.c.s', 900005, undefined],
    ]);
    expect(read[3]!.firstSeq).toBe(900005);
  });

  it('agrees with a plain query of the newest row per window, over random ledgers and spans', async () => {
    const conn = await open(kind);
    const base = Date.UTC(1969, 11, 31, 20);
    const partition = fc.record({
      model: fc.constantFrom('p', 'q', 'r'),
      i: fc.integer({ min: 0, max: 12 }),
      hours: fc.constantFrom(1, 1, 1, 24),
      fingerprint: fc.constantFrom('f1.c.s', 'f2.c.s', 'f3.d.s'),
      rowCount: fc.nat({ max: 1_000_000 }),
      contentHash: fc.option(
        fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 16 }),
        { nil: undefined },
      ),
      inputVersion: fc.option(fc.constantFrom('v1', 'v2', 'v3'), { nil: undefined }),
      reach: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      partial: fc.option(fc.constantFrom('open', 'inputs missing', 'inputs partial'), {
        nil: undefined,
      }),
      forwardOnly: fc.boolean(),
    });
    const span = fc.option(
      fc.dictionary(
        fc.constantFrom('p', 'q', 'r'),
        fc.tuple(fc.integer({ min: -1, max: 13 }), fc.integer({ min: -1, max: 13 })),
      ),
      { nil: undefined },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(partition, { minLength: 1, maxLength: 6 }), { maxLength: 8 }),
        span,
        async (commits, spanOf) => {
          await conn.run('DELETE FROM etl_state.partitions');
          for (const rows of commits)
            await conn.run(
              insertPartitionsSql(
                rows.map((r) => {
                  const start = base + r.i * HOUR;
                  return {
                    model: r.model,
                    window: { start, end: start + r.hours * HOUR },
                    fingerprint: r.fingerprint,
                    rowCount: r.rowCount,
                    contentHash: r.contentHash,
                    inputVersion: r.inputVersion,
                    inputStart: r.reach === undefined ? undefined : start - r.reach * HOUR,
                    partial: r.partial,
                    forwardOnly: r.forwardOnly,
                    runId: 'r',
                    finishedAt: base,
                  };
                }),
              ),
            );
          const spans =
            spanOf === undefined
              ? undefined
              : new Map(
                  Object.entries(spanOf).map(([model, [a, b]]) => [
                    model,
                    { start: base + a * HOUR, end: base + b * HOUR },
                  ]),
                );
          const got = await readPartitions(conn, spans === undefined ? {} : { spans });
          const ms = (column: string): string => conn.dialect.epochMs(column);
          const rows = await conn.query(
            `SELECT model, ${ms('window_start')} AS s, ${ms('window_end')} AS e, fingerprint, row_count, content_hash, input_version, ${ms('input_start')} AS i, "partial", forward_only, seq,
  min(seq) OVER (PARTITION BY model, window_start) AS first_seq,
  row_number() OVER (PARTITION BY model, window_start ORDER BY seq DESC) AS rn
FROM etl_state.partitions`,
          );
          const want = new Map<string, PartitionRecord[]>();
          const optional = (v: unknown): string | undefined =>
            v === null || v === undefined ? undefined : String(v);
          for (const r of rows
            .filter((r) => Number(r.rn) === 1)
            .filter((r) => {
              const within = spans?.get(String(r.model));
              return (
                within === undefined || (Number(r.s) > within.start && Number(r.s) < within.end)
              );
            })
            .sort((x, y) => Number(x.s) - Number(y.s))) {
            const list = want.get(String(r.model)) ?? [];
            list.push({
              model: String(r.model),
              window: { start: Number(r.s), end: Number(r.e) },
              fingerprint: String(r.fingerprint),
              rowCount: Number(r.row_count),
              contentHash: optional(r.content_hash),
              inputVersion: optional(r.input_version),
              inputStart: r.i === null ? undefined : Number(r.i),
              partial: optional(r.partial),
              forwardOnly: Boolean(r.forward_only),
              seq: Number(r.seq),
              firstSeq: Number(r.first_seq),
            });
            want.set(String(r.model), list);
          }
          expect(
            new Map([...got].map(([m, list]) => [m, list.map(plain)] as const).sort()),
          ).toEqual(new Map([...want].sort()));
        },
      ),
      { numRuns: kind === 'duckdb' ? 200 : 80 },
    );
  });
});
