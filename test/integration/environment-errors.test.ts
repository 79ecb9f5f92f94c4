import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { BIN, runCli } from '../helpers/run-cli.js';
import { backfillProjectFiles } from '../helpers/backfill-project.js';

/**
 * Failures of the machine, not of the project: each has its own code, names the path and
 * says what to do, exits 1, and leaves the warehouse as it was.
 */
let project: TempProject | undefined;
afterEach(() => {
  if (project) chmodSync(project.root, 0o755);
  project?.cleanup();
  project = undefined;
});

/** Run etl as a user who may not write the project: `nobody` when root, else the same user. */
function runAsReader(args: string[], cwd: string) {
  const root = process.getuid?.() === 0;
  const [command, prefix] = root
    ? ['runuser', ['-u', 'nobody', '--', process.execPath, BIN]]
    : [process.execPath, [BIN]];
  const result = spawnSync(command, [...prefix, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ETL_TARGET: '', HOME: cwd },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('environment failures', () => {
  it('a damaged warehouse file: E_WAREHOUSE_CORRUPT with the path and what to do', () => {
    project = tempProject(backfillProjectFiles(3));
    const garbage = randomBytes(300_000);
    writeFileSync(project.warehouse, garbage);
    const result = runCli(['status'], project.root);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `error[E_WAREHOUSE_CORRUPT]: the warehouse file ${project.warehouse} is damaged`,
    );
    expect(result.stderr).toContain('help: restore it from a backup');
    expect(result.stderr).not.toContain('E_INTERNAL');
    expect(readFileSync(project.warehouse).equals(garbage)).toBe(true);
  });

  it('a query the engine cannot fit in its memory limit: E_OUT_OF_MEMORY, exit 1, what to do', () => {
    // An aggregate of 200 MB of text cannot spill: under a 64 MB limit DuckDB gives up.
    project = tempProject({
      'etl.yml': 'target: duckdb:warehouse.duckdb\n',
      'models/big.sql':
        "{{ config(materialized='table') }}\nselect string_agg(repeat('x', 1000), ',') as s from range(200000)",
    });
    const result = runCli(['build', '--date', '2024-01-15'], project.root, {
      ETL_DUCKDB_MEMORY_LIMIT: '64MB',
    });
    const said = result.stdout + result.stderr;
    expect(result.code).toBe(1);
    expect(said).toContain('x big: the engine ran out of memory: Out of Memory Error');
    expect(said).toContain(
      'help: DuckDB spills most work to disk, not all of it: raise ETL_DUCKDB_MEMORY_LIMIT',
    );
    expect(said).not.toContain('E_INTERNAL');
    expect(said).not.toContain('E_SQL');
  });

  it('a warehouse etl may not write: reading commands work, writing ones say why', () => {
    project = tempProject(backfillProjectFiles(3));
    expect(
      runCli(['backfill', '--from', '2024-01-01', '--to', '2024-01-03', '--quiet'], project.root)
        .code,
    ).toBe(0);
    const before = readFileSync(project.warehouse);
    // Readable by all, writable by no one but its owner (root when tests run as root).
    chmodSync(project.root, 0o555);
    chmodSync(project.warehouse, 0o444);
    for (const args of [
      ['status'],
      ['plan', '--date', '2024-01-02'],
      ['test', '--warehouse'],
      ['verify', '--from', '2024-01-01', '--to', '2024-01-03'],
    ]) {
      const read = runAsReader(args, project.root);
      expect(read.code, `${args.join(' ')}: ${read.stderr}`).toBe(0);
    }
    const write = runAsReader(['build', '--date', '2024-01-02'], project.root);
    expect(write.code).toBe(1);
    expect(write.stderr).toContain(`error[E_WAREHOUSE_READ_ONLY]: etl may not write`);
    expect(write.stderr).toContain('help: writing commands need write access');
    expect(readFileSync(project.warehouse).equals(before)).toBe(true);
  });

  // A full disk needs a small file system: a tmpfs of 1 MiB, which only root can mount.
  const tiny = mkdtempSync(join(tmpdir(), 'etl-tiny-'));
  const mounted =
    process.getuid?.() === 0 &&
    spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', tiny]).status === 0;
  afterAll(() => {
    if (mounted) spawnSync('umount', [tiny]);
    rmSync(tiny, { recursive: true, force: true });
  });

  it.runIf(mounted)('a full disk: E_DISK_FULL, exit 1, and what to do', () => {
    project = tempProject(backfillProjectFiles(3));
    // A seed far larger than the disk the warehouse is on.
    const rows = ['id,ts,user_id,amount'];
    for (let i = 0; i < 200_000; i++)
      rows.push(
        `${i},2024-01-0${1 + (i % 3)} 0${i % 10}:00:00,${i % 97},${(i * 7919) % 100_003}.25`,
      );
    project.write('seeds/events.csv', `${rows.join('\n')}\n`);
    const result = runCli(
      [
        'backfill',
        '--from',
        '2024-01-01',
        '--to',
        '2024-01-03',
        '--target',
        `duckdb:${join(tiny, 'w.duckdb')}`,
      ],
      project.root,
    );
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('error[E_DISK_FULL]: the disk of the warehouse is full');
    expect(result.stderr).toContain('help: free space and rerun the same command');
  });
});
