import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { BIN, runCli } from '../helpers/run-cli.js';
import { queryFile, tableChecksums } from '../helpers/duckdb.js';
import { backfillProjectFiles } from '../helpers/backfill-project.js';

const DAYS = 120;
const RANGE = ['--from', '2024-01-01', '--to', '2024-04-29'];
let projects: TempProject[] = [];
afterEach(() => {
  for (const p of projects) p.cleanup();
  projects = [];
});

/** A monthly model whose few windows take a while each: a second Ctrl-C lands while one runs. */
const SLOW = {
  'models/slow.sql': `{{ config(materialized='incremental', time_column='month', grain='month', start='2024-01-01') }}
select date_trunc('month', ts) as month, count(*) as events,
  (select count(*) from range(250000000) t(i) where i % 7 = 3) as busy
from {{ ref('stg_events') }} where ts >= {{ start }} and ts < {{ end }} group by all`,
};

function make(slow = false): TempProject {
  const p = tempProject({ ...backfillProjectFiles(DAYS), ...(slow ? SLOW : {}) });
  projects.push(p);
  return p;
}

/**
 * Start a backfill, send `signals` SIGINTs once `after` steps have printed, and collect what
 * it said and how it ended.
 */
async function interrupted(p: TempProject, after: number, signals = 1) {
  const child = spawn(process.execPath, [BIN, 'backfill', ...RANGE, '--threads', '2'], {
    cwd: p.root,
    env: { ...process.env, NO_COLOR: '1', ETL_TARGET: '' },
  });
  let stderr = '';
  let sent = 0;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    // The second signal once the first is taken (signals sent at once may arrive as one).
    if (
      (sent === 0 && (stderr.match(/\] OK /g)?.length ?? 0) >= after) ||
      (sent === 1 && signals > 1 && stderr.includes('Ctrl-C: stopping'))
    ) {
      child.kill('SIGINT');
      sent++;
    }
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr, sent };
}

/** The tables of a clean backfill, built once per kind of project. */
const cleanTables = new Map<boolean, Promise<Record<string, string>>>();
function clean(slow = false): Promise<Record<string, string>> {
  let done = cleanTables.get(slow);
  if (!done) {
    const p = make(slow);
    expect(runCli(['backfill', ...RANGE], p.root).code).toBe(0);
    done = tables(p);
    cleanTables.set(slow, done);
  }
  return done;
}

const tables = async (p: TempProject) =>
  Object.fromEntries(
    Object.entries(await tableChecksums(p.warehouse)).filter(([k]) => k.startsWith('main.')),
  );

describe('Ctrl-C during a backfill', () => {
  it.each([3, 40, 150])(
    'after %i steps: the run stops, says so, is recorded interrupted; a rerun completes it',
    async (after) => {
      const p = make();
      const run = await interrupted(p, after);
      expect(run.sent).toBe(1);
      expect(run.code).toBe(130);
      expect(run.stderr).toContain('Ctrl-C: stopping; no new window starts');
      expect(run.stderr).toMatch(
        /^interrupted: [\d,]+ of [\d,]+ windows done; rerun the same command to resume$/m,
      );
      expect(run.stderr).not.toMatch(/not run: interrupted/);
      // The table at the end counts the windows built, not those the interrupt kept from
      // running: together they fall short of the plan, as the closing line says.
      const built = [...run.stderr.matchAll(/^ {2}\S+ +\S+ +([\d,]+)\/([\d,]+) /gm)].map((m) => [
        Number(m[1]?.replace(/,/g, '')),
        Number(m[2]?.replace(/,/g, '')),
      ]);
      expect(built.length).toBeGreaterThan(0);
      const sum = (i: number) => built.reduce((n, row) => n + (row[i] ?? 0), 0);
      const said = /^interrupted: ([\d,]+) of ([\d,]+) windows done/m.exec(run.stderr);
      expect(sum(0)).toBe(Number(said?.[1]?.replace(/,/g, '')));
      expect(sum(1)).toBe(Number(said?.[2]?.replace(/,/g, '')));
      const [last] = await queryFile(
        p.warehouse,
        'select status from etl_state.runs order by started_at desc limit 1',
      );
      expect(last).toEqual({ status: 'interrupted' });
      // Every window the ledger calls done holds exactly its rows: status sees no drift.
      const again = runCli(['backfill', ...RANGE], p.root);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).not.toMatch(/warning: the ledger says/);
      expect(await tables(p)).toEqual(await clean());
    },
  );

  it('a second Ctrl-C exits at once, and a rerun still ends equal to a clean build', async () => {
    const p = make(true);
    const run = await interrupted(p, 10, 2);
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/Ctrl-C again: exiting now/);
    const again = runCli(['backfill', ...RANGE], p.root);
    expect(again.code, again.stderr).toBe(0);
    expect(await tables(p)).toEqual(await clean(true));
  }, 180_000);
});
