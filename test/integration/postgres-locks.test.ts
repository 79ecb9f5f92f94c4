import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillProject } from '../../core/api/build.js';
import type { Engine } from '../../core/engine/adapter.js';
import { openPostgres } from '../../core/engine/postgres.js';
import { parseTarget } from '../../core/engine/target.js';
import { freshDatabase } from '../helpers/postgres.js';
import { tempProject, type TempProject } from '../helpers/temp-project.js';

/**
 * On PostgreSQL a step locks its windows (pg_advisory_xact_lock) for its transaction, and no
 * step waits forever: a window another process holds past lock_timeout is a lock error,
 * transient, retried with backoff; the backfill then ends complete.
 */
const FILES = {
  'seeds/events.csv':
    'id,ts\n1,2024-01-01 10:00:00\n2,2024-01-02 11:00:00\n3,2024-01-02 12:00:00\n4,2024-01-03 09:00:00\n',
  'models/daily.sql': `{{ config(materialized='incremental', time_column='day', start='2024-01-01') }}
select cast(ts as date) as day, count(*) as events
from {{ ref('events') }}
where ts >= {{ start }} and ts < {{ end }}
group by 1`,
};

let project: TempProject;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let engine: Engine;

beforeAll(async () => {
  project = tempProject(FILES);
  db = await freshDatabase();
});

afterAll(async () => {
  await engine?.close();
  await db.drop();
  project.cleanup();
});

describe('locks on PostgreSQL', () => {
  it('a window held by another process is retried after lock_timeout, then built', async () => {
    // A short lock_timeout, as a user would set it in the URL.
    const url = `${db.url}?options=${encodeURIComponent('-c lock_timeout=300ms')}`;
    const target = parseTarget(url, project.root);
    if (target.kind !== 'postgres') throw new Error(url);
    engine = await openPostgres({ url: target.server, schema: target.schema }, db.url);

    // Another process holds the lock of 2024-01-02's window until etl first retries it: not
    // for a fixed time, which a slow machine could spend before reaching that window.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(
      `SELECT pg_advisory_xact_lock(hashtextextended('"public"."daily"@${Date.UTC(2024, 0, 2)}', 0))`,
    );
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve))
      .then(() => holder.query('COMMIT'))
      .then(() => holder.end());

    const retries: string[] = [];
    const { summary } = await backfillProject({
      project: project.root,
      target: url,
      engine,
      from: Date.UTC(2024, 0, 1),
      to: Date.UTC(2024, 0, 3),
      threads: 1,
      retryPolicy: { retries: 8, baseMs: 400, maxMs: 800 },
      reporter: {
        stepStarted: () => undefined,
        stepFinished: () => undefined,
        info: () => undefined,
        retrying: (step, _attempt, _delay, message) => {
          retries.push(`${step.id}: ${message}`);
          release();
        },
      },
    });
    // Released now if it never was: the assertions below say why.
    release();
    await released;
    expect(summary.failures).toEqual([]);
    expect(summary.partitions.built).toBe(3);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toMatch(/^daily@2024-01-02: .*lock timeout/);
    const conn = await engine.connect();
    const rows = await conn.query(`SELECT day, events FROM public.daily ORDER BY day`);
    await conn.close();
    expect(rows.map((r) => Number(r.events))).toEqual([1, 2, 1]);
  });
});
