import { afterEach, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { runCli } from '../helpers/run-cli.js';
import { queryFile, tableChecksums } from '../helpers/duckdb.js';
import { backfillProjectFiles } from '../helpers/backfill-project.js';
import { compileFiles } from '../helpers/compile.js';
import { loadProject } from '../../core/project/load-project.js';
import { compileProject } from '../../core/compile/compile-project.js';
import { parseTarget } from '../../core/engine/target.js';
import { fileURLToPath } from 'node:url';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStatus } from '../helpers/status-json.js';

/**
 * Fingerprints that etl 0.1 (wave 1, before data versions) recorded, computed by that code:
 * a ledger it wrote carries these, and its windows must still count as current.
 */
const WAVE1 = {
  backfill8: {
    events: 'c07f40eec7e3e1a1d70e9cb80e4804bff4037e7417ac6b776073a072c3f7ff5a',
    stg_events: '31841eddadad7ac6f98224a2725c02d9908a6c267235ead31f0d3bb696549e03',
    daily: '5574babd4d5c711ba66dd4e2be04c85f9391ea59994fd88d09d5e87d74186be6',
    daily_totals: '8d7cf635bd55ac30a8156a9f7ded89285f886f45633689de2e37907c76c4e714',
    hourly: '6a81809b04993546709f029806900d74a2175250de69090f2e1dce1a76efed21',
    totals: 'ce38759bc9a34adfcbbc8a15957320adee92a369dbcd6373b1ee3ee6a7cf6791',
    users_latest: '66569cc2036b53ba77e4e24d715e4f44f6af7224cfda13ae6ea2b7c2a99c5411',
    weekly: 'aae7583f4f186082190ffee03c209f84d02c5595b4d96cfed4adc8e1d721bce4',
  },
  example: {
    stg_customers: 'ed5e3db31134709b538804c47f57ce8f1db5c8b0ca7091b3bf03cf02ac718612',
    customer_status: '47276f652ca6c74f70cfe6a189fc3c895cd9df848d32d108a95946d8fb529f87',
    hourly_orders: 'f52350a31a6f742edfa23276c376a5cd3dcfffd6f51f31cca8d0cc8c0dcd13aa',
    fct_orders: 'bf06720a62a81d4e51ad932a1b40c65191db44203d6b47578388e17f40ca4470',
    daily_revenue: '79a51ba8499d5b5eac0c9d2b4b06b18a4d9ee32878130236607018cb688b0e87',
    dim_customers: 'ab09915cb0c67324e90a3a8186a9dc9bc8775cf8194560898abde06681d44360',
    monthly_revenue: '4b36c742552cbea4a8689c81607df513eb73952e8b1ee8919d6ed9b0a77429fb',
    weekly_product_sales: '352ca429461a506032a6d20b6df69af8fcffe777b66f7046a9ae7031cf5b51ca',
  },
};

/**
 * The backfill project as wave 1 had it: `{{ ds }}` then rendered `DATE '...'`; it is a raw
 * string now (and `2024-01-15` still parses, as integer arithmetic), so the text wave 1
 * fingerprinted is kept here.
 */
function wave1BackfillFiles(): Record<string, string> {
  const files = backfillProjectFiles(8);
  const latest = files['models/users_latest.sql']!;
  return { ...files, 'models/users_latest.sql': latest.replace("DATE '{{ ds }}'", '{{ ds }}') };
}

let project: TempProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

describe('a ledger from before data versions', () => {
  it('is recognised by the fingerprints it carries', () => {
    const compiled = compileFiles(wave1BackfillFiles());
    for (const [name, fp] of Object.entries(WAVE1.backfill8)) {
      const node = compiled.nodes.get(name)!;
      expect(node.kind === 'model' ? node.legacyFingerprint : node.fingerprint, name).toBe(fp);
    }
    // The example as wave 1 shipped it: its marts have since been made portable SQL.
    const root = mkdtempSync(join(tmpdir(), 'etl-wave1-'));
    try {
      const repo = fileURLToPath(new URL('../..', import.meta.url));
      for (const part of ['etl.yml', 'models', 'seeds'])
        cpSync(join(repo, part), join(root, part), { recursive: true });
      cpSync(fileURLToPath(new URL('../fixtures/wave1-example', import.meta.url)), root, {
        recursive: true,
      });
      const example = compileProject(loadProject(root), {
        target: parseTarget('duckdb::memory:', root),
      });
      for (const [name, fp] of Object.entries(WAVE1.example)) {
        const node = example.nodes.get(name)!;
        expect(node.kind === 'model' ? node.legacyFingerprint : '', name).toBe(fp);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('is upgraded in place once, said once, and its windows are trusted: nothing is rebuilt', async () => {
    project = tempProject(wave1BackfillFiles());
    const range = ['--from', '2024-01-01', '--to', '2024-01-08'];
    expect(runCli(['backfill', ...range], project.root).code).toBe(0);
    // Turn the ledger back into what etl 0.1 wrote: its columns and its fingerprints.
    const legacy = Object.entries(WAVE1.backfill8)
      .map(([name, fp]) => `WHEN '${name}' THEN '${fp}'`)
      .join(' ');
    await queryFile(
      project.warehouse,
      `UPDATE etl_state.partitions SET fingerprint = CASE model ${legacy} END;
       UPDATE etl_state.models SET fingerprint = CASE model ${legacy} END;
       ALTER TABLE etl_state.partitions DROP COLUMN input_version;
       ALTER TABLE etl_state.partitions DROP COLUMN input_start;
       ALTER TABLE etl_state.partitions DROP COLUMN "partial";
       ALTER TABLE etl_state.partitions DROP COLUMN forward_only;
       ALTER TABLE etl_state.partitions DROP COLUMN seq;
       ALTER TABLE etl_state.models DROP COLUMN content_hash;
       ALTER TABLE etl_state.models DROP COLUMN input_version;
       ALTER TABLE etl_state.models DROP COLUMN seq;
       ALTER TABLE etl_state.seeds DROP COLUMN seq;
       ALTER TABLE etl_state.failures DROP COLUMN seq;
       DROP TABLE etl_state.refreshing;
       DROP SEQUENCE etl_state.seq;`,
    );
    const tables = async () => {
      const all = await tableChecksums(project!.warehouse);
      return Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith('main.')));
    };
    const before = await tables();
    // Read-only commands read it as it is and change nothing.
    const status = readStatus(
      runCli(['status', '--json', '--until', '2024-01-08'], project.root).stdout,
    ) as { models: { name: string; done: string[]; stale: string[] }[] };
    expect(status.models.find((m) => m.name === 'daily')?.done).toHaveLength(8);
    expect(status.models.every((m) => m.stale.length === 0)).toBe(true);
    const columns = async () =>
      (
        await queryFile(
          project!.warehouse,
          `SELECT count(*) AS n FROM information_schema.columns WHERE table_schema = 'etl_state' AND table_name = 'partitions'`,
        )
      )[0]!.n;
    expect(await columns()).toBe('8');

    const upgraded = runCli(['backfill', ...range, '--json'], project.root);
    expect(upgraded.code).toBe(0);
    expect(upgraded.stderr).toMatch(
      /note: upgraded the ledger \(etl_state\) to record data versions: \d+ windows built before it do not say what they read and are trusted as current/,
    );
    expect(
      (JSON.parse(upgraded.stdout) as { partitions: { built: number } }).partitions.built,
    ).toBe(0);
    expect(await columns()).toBe('13');
    expect(await tables()).toEqual(before);
    const again = runCli(['backfill', ...range, '--json'], project.root);
    expect(again.stderr).not.toContain('upgraded the ledger');
    // Trusted until something they read changes: a seed edit makes its readers stale.
    project.write(
      'seeds/events.csv',
      backfillProjectFiles(8)['seeds/events.csv']!.replace(',0.25\n', ',7.25\n'),
    );
    const edited = readStatus(
      runCli(['status', '--json', '--until', '2024-01-08'], project.root).stdout,
    ) as { models: { name: string; stale: string[]; reasons: Record<string, string> }[] };
    const daily = edited.models.find((m) => m.name === 'daily')!;
    expect(daily.stale).toHaveLength(8);
    expect(daily.reasons['2024-01-01T00:00:00.000Z']).toBe('seed events changed');
    // The old rows keep their commit order, from their clocks.
    const order = await queryFile(
      project.warehouse,
      `SELECT count(*) AS n, count(DISTINCT seq) AS distinct_seq, count(seq) AS with_seq FROM etl_state.partitions`,
    );
    expect(order[0]!.n).toBe(order[0]!.distinct_seq);
    expect(order[0]!.n).toBe(order[0]!.with_seq);
  });
});
