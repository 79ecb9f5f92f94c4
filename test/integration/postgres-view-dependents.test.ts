import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../core/engine/postgres.js';
import { parseTarget } from '../../core/engine/target.js';
import { ensureLedger } from '../../core/state/ledger-schema.js';
import { freshDatabase } from '../helpers/postgres.js';

/**
 * On PostgreSQL a relation is replaced by dropping it with the views that read it and
 * creating those again (etl_drop, etl_restore). Two steps the DAG runs side by side can share
 * such a view (a view over a join of two tables, each rebuilt by its own step): the second to
 * drop it must see it as the first created it again, not the one the first dropped.
 */
let db: Awaited<ReturnType<typeof freshDatabase>>;
const clients: pg.Client[] = [];

/** Set up the ledger and etl's functions, as a command that writes does. */
async function setUpLedger(): Promise<void> {
  const target = parseTarget(db.url, '.');
  if (target.kind !== 'postgres') throw new Error('expected a PostgreSQL target');
  const engine = await openPostgres({ url: target.server, schema: target.schema }, db.url);
  const conn = await engine.connect();
  await ensureLedger(conn);
  await conn.close();
  await engine.close();
}

beforeAll(async () => {
  db = await freshDatabase();
  await setUpLedger();
});

afterAll(async () => {
  for (const c of clients) await c.end();
  await db.drop();
});

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  clients.push(c);
  return c;
}

describe('replacing relations on PostgreSQL', () => {
  it('two steps side by side that rebuild the two tables under one view both commit, and the view reads both', async () => {
    const setup = await client();
    await setup.query(`CREATE TABLE a (x int); CREATE TABLE b (x int);
CREATE VIEW v AS SELECT a.x FROM a JOIN b USING (x)`);
    const first = await client();
    const second = await client();
    const replace = (
      name: string,
    ): string => `SELECT etl_state.etl_drop('${name}'::regclass, 'TABLE');
ALTER TABLE ${name}_new RENAME TO ${name}`;
    await first.query(`BEGIN; CREATE TABLE a_new AS SELECT 1 AS x; ${replace('a')}`);
    await second.query(`BEGIN; CREATE TABLE b_new AS SELECT 1 AS x`);
    // The second step reaches the view while the first has dropped it and not committed.
    const secondDrop = second.query(replace('b')).then(
      () => undefined,
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await first.query(`SELECT etl_state.etl_restore(); COMMIT`);
    expect(await secondDrop).toBeUndefined();
    await second.query(`SELECT etl_state.etl_restore(); COMMIT`);
    const { rows } = await setup.query<{ x: number }>('SELECT x FROM v');
    expect(rows).toEqual([{ x: 1 }]);
  });

  it('a warehouse set up before that lock gets it from the next command that writes', async () => {
    const setup = await client();
    await setup.query(`CREATE OR REPLACE FUNCTION etl_state.etl_drop(target regclass, kind text) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN EXECUTE format('DROP %s %s CASCADE', kind, target); END $$`);
    await setUpLedger();
    const { rows } = await setup.query<{ src: string }>(
      `SELECT prosrc AS src FROM pg_proc WHERE proname = 'etl_drop'`,
    );
    expect(rows[0]!.src).toContain('pg_advisory_xact_lock');
  });
});
