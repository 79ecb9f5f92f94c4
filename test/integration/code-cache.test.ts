import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/run-cli.js';
import { tempProject } from '../helpers/temp-project.js';

/**
 * The `etl` command (scripts/cli-loader.cjs) runs the bundle with V8's code cache. Whatever the
 * cache holds, the program that runs is the bundle as it is now: a cache of another build, of
 * an edited bundle, or of garbage is never used for it, and a cache that cannot be written
 * costs nothing but the cache.
 *
 * Each test runs a copy of dist/cli/etl.cjs and etl-bundle.cjs in a temporary folder laid out
 * as a checkout.
 */
const built = dirname(BIN);
let base: string;
let dir: string;
let loader: string;
let cache: string;
let planCache: string;

beforeEach(() => {
  // The layout of a checkout: package.json, node_modules, dist/cli.
  base = mkdtempSync(join(tmpdir(), 'etl-code-cache-'));
  const repo = join(built, '../..');
  copyFileSync(join(repo, 'package.json'), join(base, 'package.json'));
  symlinkSync(join(repo, 'node_modules'), join(base, 'node_modules'));
  dir = join(base, 'dist/cli');
  mkdirSync(dir, { recursive: true });
  for (const f of ['etl.cjs', 'etl-bundle.cjs']) copyFileSync(join(built, f), join(dir, f));
  loader = join(dir, 'etl.cjs');
  cache = join(dir, 'etl-bundle.cache');
  planCache = join(dir, 'etl-bundle.plan.cache');
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

/** Run the copy; `cache` is what the loader says of the cache it found. */
function run(args: readonly string[], env: Record<string, string> = {}, cwd = dir) {
  const r = spawnSync(process.execPath, [loader, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ETL_TARGET: '', ETL_CODE_CACHE_DEBUG: '1', ...env },
  });
  const said = /^code cache: (\w+)/m.exec(r.stderr)?.[1];
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, cache: said };
}

describe('the code cache', () => {
  it('is written by the first run of each command, and used by the next', () => {
    const first = run(['--help']);
    expect([first.code, first.cache]).toEqual([0, 'none']);
    const second = run(['--help']);
    expect([second.code, second.cache, second.stdout]).toEqual([0, 'used', first.stdout]);
    // A cache per command: its first run writes its own.
    const help = run(['help', 'plan']);
    expect([help.code, help.cache]).toEqual([0, 'none']);
    expect(help.stdout).toContain('Usage: etl plan');
    expect(run(['help', 'status']).cache).toBe('used');
    // Found after the flags and their values.
    expect(run(['--project', 'help', 'help']).cache).toBe('used');
    // Nothing left behind but the caches.
    expect(readdirSync(dir).sort()).toEqual([
      'etl-bundle.cache',
      'etl-bundle.cjs',
      'etl-bundle.help.cache',
      'etl.cjs',
    ]);
  });

  it('runs a project the same with and without it', () => {
    const p = tempProject({
      'models/daily.sql':
        "{{ config(materialized='incremental', time_column='d', start='2024-01-01') }}\nselect {{ start }}::date as d, 1 as n",
    });
    try {
      const args = ['plan', '--from', '2024-01-01', '--to', '2024-01-03'];
      const without = run(args, { ETL_CODE_CACHE: '0' }, p.root);
      expect([without.code, without.cache]).toEqual([0, undefined]);
      expect(existsSync(planCache)).toBe(false);
      expect(without.stdout).toContain('3 of 3 windows to build');
      const cold = run(args, {}, p.root);
      const warm = run(args, {}, p.root);
      expect([cold.cache, warm.cache]).toEqual(['none', 'used']);
      expect([cold.stdout, warm.stdout]).toEqual([without.stdout, without.stdout]);
      // compile loads sql-formatter on demand: from a cached script, as from source.
      const compile = ['compile', '--date', '2024-01-02'];
      const plain = run(compile, { ETL_CODE_CACHE: '0' }, p.root);
      expect([plain.code, plain.stdout]).toEqual([
        0,
        expect.stringContaining("TIMESTAMP '2024-01-02 00:00:00'"),
      ]);
      const cached = [run(compile, {}, p.root), run(compile, {}, p.root)];
      expect(
        cached.map((r) => [r.code, r.cache, r.stdout, r.stderr.replace(/^code cache.*\n/, '')]),
      ).toEqual([
        [0, 'none', plain.stdout, plain.stderr],
        [0, 'used', plain.stdout, plain.stderr],
      ]);
    } finally {
      p.cleanup();
    }
  });

  // Node 20's V8 checks no hash of a cache: a damaged one of the right length ran into
  // crashes (SIGTRAP, SIGSEGV, stack overflows) on every run until deleted.
  it('is not used when damaged, and written again', () => {
    const p = tempProject({ 'models/m.sql': 'select 1 as n' });
    try {
      const first = run(['plan'], {}, p.root);
      expect([first.code, first.cache]).toEqual([0, 'none']);
      const file = readFileSync(planCache);
      const end = file.indexOf(10);
      // A run of bytes flipped in the middle: the length and the header are as written.
      for (let i = end + 1 + ((file.length - end) >> 1), n = 0; n < 64; i++, n++)
        file[i] = file[i]! ^ 0xff;
      writeFileSync(planCache, file);
      const r = run(['plan'], {}, p.root);
      expect([r.code, r.cache, r.stdout]).toEqual([0, 'rejected', first.stdout]);
      expect(run(['plan'], {}, p.root).cache).toBe('used');
    } finally {
      p.cleanup();
    }
  });

  // `etl plan --help` compiles a third of what `etl plan` does: its cache is replaced by the
  // first run that finishes the command, then kept.
  it('made by a run that did not finish its command is replaced by one that did', () => {
    const p = tempProject({ 'models/m.sql': 'select 1 as n' });
    try {
      expect(run(['plan', '--help'], {}, p.root).cache).toBe('none');
      const help = readFileSync(planCache);
      expect(run(['plan', '--date', '2024-13-45'], {}, p.root)).toMatchObject({
        code: 2,
        cache: 'used',
      });
      expect(readFileSync(planCache).equals(help)).toBe(true);
      expect(run(['plan'], {}, p.root)).toMatchObject({ code: 0, cache: 'used' });
      const full = readFileSync(planCache);
      expect(full.length).toBeGreaterThan(help.length * 1.5);
      expect(run(['plan', '--help'], {}, p.root).cache).toBe('used');
      expect(run(['plan'], {}, p.root).cache).toBe('used');
      expect(readFileSync(planCache).equals(full)).toBe(true);
      // `etl source` alone prints its subcommands: no command ran, so its cache stays open.
      const sourceCache = join(dir, 'etl-bundle.source.cache');
      expect(run(['source'], {}, p.root)).toMatchObject({ code: 0, cache: 'none' });
      const header = (f: string): unknown => JSON.parse(readFileSync(f, 'utf8').split('\n')[0]!);
      expect(header(sourceCache)).toMatchObject({ complete: false });
      expect(header(planCache)).toMatchObject({ complete: true });
      // The command after the global options' values, as commander reads it.
      const r = run(['--target', 'plan', 'status'], {}, p.root);
      expect(r.stderr).toMatch(/^code cache: none \(status\)/);
    } finally {
      p.cleanup();
    }
  });

  it('is rejected when it is garbage, and written again', () => {
    run(['--help']);
    const file = readFileSync(cache);
    const end = file.indexOf(10);
    const garbage = Buffer.alloc(file.length - end - 1, 0x5a);
    writeFileSync(cache, Buffer.concat([file.subarray(0, end + 1), garbage]));
    const r = run(['--help']);
    expect([r.code, r.cache]).toEqual([0, 'rejected']);
    expect(r.stdout).toContain('Usage: etl');
    expect(run(['--help']).cache).toBe('used');
  });

  it('is not used for an edited bundle, even of the same length', () => {
    // A modification time in whole seconds, which the edit below puts back exactly.
    const bundle = join(dir, 'etl-bundle.cjs');
    utimesSync(bundle, 1_700_000_000, 1_700_000_000);
    expect(run(['--help']).stdout).toContain('Batch ETL inside a SQL warehouse');
    expect(run(['--help']).cache).toBe('used');
    const text = readFileSync(bundle, 'utf8');
    const edited = text.replace(
      'Batch ETL inside a SQL warehouse',
      'Batch ETX inside a SQL warehouse',
    );
    expect(edited.length).toBe(text.length);
    // Its modification time put back too, as `touch -r` would: the bytes still differ.
    writeFileSync(bundle, edited);
    utimesSync(bundle, 1_700_000_000, 1_700_000_000);
    expect(statSync(bundle).mtimeMs).toBe(1_700_000_000_000);
    const r = run(['--help']);
    expect([r.code, r.cache]).toEqual([0, 'none']);
    expect(r.stdout).toContain('Batch ETX inside a SQL warehouse');
  });

  // An image's layers, an unpacked archive, cp -a: the same bytes at the same path, whatever
  // their times. Elsewhere, a cache of its own: V8 keeps the file name stack traces give.
  it('is kept for the same bundle whatever its times, and made again elsewhere', () => {
    expect(run(['--help']).cache).toBe('none');
    const bundle = join(dir, 'etl-bundle.cjs');
    utimesSync(bundle, 1_600_000_000, 1_600_000_000);
    expect(run(['--help']).cache).toBe('used');
    const copy = join(base, 'copy');
    mkdirSync(join(copy, 'dist'), { recursive: true });
    copyFileSync(join(base, 'package.json'), join(copy, 'package.json'));
    symlinkSync(join(base, 'node_modules'), join(copy, 'node_modules'));
    cpSync(dir, join(copy, 'dist/cli'), { recursive: true, preserveTimestamps: true });
    const moved = () =>
      spawnSync(process.execPath, [join(copy, 'dist/cli/etl.cjs'), '--help'], {
        encoding: 'utf8',
        env: { ...process.env, ETL_CODE_CACHE_DEBUG: '1' },
      });
    expect(moved().stderr).toBe('code cache: none (no command)\n');
    expect(moved().stderr).toBe('code cache: used (no command)\n');
  });

  // cron without NODE_OPTIONS, a shell with it: V8 rejects a cache made under other flags, and
  // one cache was rejected and written again at every switch.
  it('is kept per set of flags, so that runs alternating between two use both', () => {
    const flagged = { NODE_OPTIONS: '--max-old-space-size=3000' };
    expect([run(['--help']).cache, run(['--help'], flagged).cache]).toEqual(['none', 'none']);
    expect([run(['--help']).cache, run(['--help'], flagged).cache]).toEqual(['used', 'used']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.cache')).length).toBe(2);
  });

  it('is ignored when it cannot be read or written', () => {
    // A folder where the cache file would be: neither read nor replaced.
    mkdirSync(cache);
    const r = run(['--help']);
    expect([r.code, r.cache, r.stderr]).toEqual([0, 'none', 'code cache: none (no command)\n']);
    expect(r.stdout).toContain('Usage: etl');
    expect(readdirSync(dir).sort()).toEqual(['etl-bundle.cache', 'etl-bundle.cjs', 'etl.cjs']);
  });

  // As another user (root ignores permissions): a folder it cannot write to.
  const setpriv = spawnSync('setpriv', ['--version']).status === 0;
  it.runIf(process.getuid?.() === 0 && setpriv)('is not made in a read-only install', () => {
    for (const d of [base, join(base, 'dist')]) chmodSync(d, 0o755);
    chmodSync(dir, 0o555);
    const r = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, loader, '--help'],
      { cwd: tmpdir(), encoding: 'utf8', env: { ...process.env, ETL_CODE_CACHE_DEBUG: '1' } },
    );
    chmodSync(dir, 0o755);
    // Nothing said but the debug line: an error at exit would not change the exit code.
    expect([r.status, r.stderr]).toEqual([0, 'code cache: none (no command)\n']);
    expect(r.stdout).toContain('Usage: etl');
    expect(readdirSync(dir).sort()).toEqual(['etl-bundle.cjs', 'etl.cjs']);
  });

  // A disk with less room than the cache takes: writeSync writes what fits and says so by its
  // count, not by an error. A cache cut short was kept, with the disk full, rejected by every
  // run after and written again.
  // Root with the right to mount (not in an unprivileged container).
  const unshare = spawnSync('unshare', ['-m', 'true']).status === 0;
  it.runIf(process.getuid?.() === 0 && unshare)('is not kept cut short by a full disk', () => {
    // etl.cjs on a 200 KB disk of its own, laid out as dist/cli (the cache is written beside
    // it: plan --help's takes some 280 KB), the bundle through a link to the copy.
    const small = join(base, 'dist/small');
    mkdirSync(small);
    const script = [
      'set -e',
      `mount -t tmpfs -o size=200k tmpfs '${small}'`,
      `cp '${loader}' '${small}/etl.cjs'`,
      `ln -s '${join(dir, 'etl-bundle.cjs')}' '${small}/etl-bundle.cjs'`,
      `cd '${small}'`,
      `'${process.execPath}' etl.cjs plan --help > /dev/null`,
      'ls',
      "df -k . | awk 'NR == 2 { print $3 }'",
    ].join('\n');
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script], {
      encoding: 'utf8',
      env: { ...process.env, ETL_CODE_CACHE_DEBUG: '1' },
    });
    expect([r.status, r.stderr]).toEqual([0, 'code cache: none (plan)\n']);
    const [files, used] = [
      r.stdout.trim().split('\n').slice(0, -1),
      r.stdout.trim().split('\n').at(-1),
    ];
    expect(files).toEqual(['etl-bundle.cjs', 'etl.cjs']);
    // The disk as it was: etl.cjs only.
    expect(Number(used)).toBeLessThan(50);
  });

  // Node maps stack traces (node --enable-source-maps) only of what its module loader
  // compiled: then the bundle is loaded by it, and a bug's trace names etl's own files.
  it('is not used with source maps on, so that stack traces point into the sources', () => {
    copyFileSync(join(built, 'etl-bundle.cjs.map'), join(dir, 'etl-bundle.cjs.map'));
    const node = (args: string[]) =>
      spawnSync(process.execPath, args, {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, ETL_CODE_CACHE_DEBUG: '1' },
      });
    const r = node(['--enable-source-maps', loader, '--help']);
    expect([r.status, r.stderr, r.stdout]).toEqual([0, '', run(['--help']).stdout]);
    // An error inside the bundle: a preload makes reading package.json (--version) throw.
    const preload = join(base, 'throw.cjs');
    writeFileSync(
      preload,
      `const fs = require('node:fs'); const read = fs.readFileSync;
fs.readFileSync = (f, ...rest) => String(f).endsWith('package.json') ? (() => { throw new Error('boom'); })() : read(f, ...rest);`,
    );
    const mapped = node(['--enable-source-maps', '-r', preload, loader, '--version']);
    expect(mapped.status).not.toBe(0);
    expect(mapped.stderr).toMatch(/boom[\s\S]*cli\/main\.ts:\d+/);
    const plain = node(['-r', preload, loader, '--version']);
    expect(plain.stderr).toMatch(/boom[\s\S]*etl-bundle\.cjs:\d+/);
  });

  it('is not written with ETL_CODE_CACHE=0', () => {
    const r = run(['--help'], { ETL_CODE_CACHE: '0' });
    expect([r.code, r.cache]).toEqual([0, undefined]);
    expect(existsSync(cache)).toBe(false);
  });

  // npx runs a project's own bin through a link it made once for the folder: a link made when
  // the bin was dist/cli/etl.js is never remade, and CI's `npx etl` failed with "etl: not
  // found" until the old path ran the command again.
  it('is used through the former path, dist/cli/etl.js, as an old npx link runs it', () => {
    copyFileSync(join(built, 'etl.js'), join(dir, 'etl.js'));
    chmodSync(join(dir, 'etl.js'), 0o755);
    const bin = join(base, 'npx/node_modules/.bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(join(dir, 'etl.js'), join(bin, 'etl'));
    const viaLink = () =>
      spawnSync('sh', ['-c', 'etl --help'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ETL_CODE_CACHE_DEBUG: '1' },
      });
    const first = viaLink();
    expect([first.status, first.stderr]).toEqual([0, 'code cache: none (no command)\n']);
    expect(first.stdout).toBe(run(['--help']).stdout);
    expect(viaLink().stderr).toBe('code cache: used (no command)\n');
  });
});
