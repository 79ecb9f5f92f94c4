#!/usr/bin/env node
// The `etl` command (dist/cli/etl.cjs, written from this file by scripts/bundle.mjs): it runs
// the bundled program, dist/cli/etl-bundle.cjs, with V8's code cache.
//
// Node 20 compiles every script it loads from source, and has no compile cache of its own
// (module.enableCompileCache came in Node 22). For etl that was about a third of a small
// command's time. Here the bundle is compiled with the bytecode V8 saved from an earlier run of
// the same command (etl-bundle.<command>.cache, beside it): after the first run of each
// command, and after the build or Node changed, the bytecode of every function the run
// compiled is saved for the next. A cache per command, as V8 reads a cache whole: `plan`'s
// would grow by a third with what the other commands compile, and take that much longer to
// read.
//
// The cache is only used for the same bundle, byte for byte (its content hash, written into
// this file at build time, with its size and modification time) and the same Node. V8 checks
// the rest (its version, its flags) and rejects a cache that does not fit: the bundle then
// compiles from source, as without a cache, and the cache is written again. A file that
// cannot be written (a read-only install) means no cache, nothing else. ETL_CODE_CACHE=0 turns
// it off.
'use strict';
const {
  closeSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} = require('node:fs');
const { join } = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

/** The bundle's content hash, and etl's commands: scripts/bundle.mjs writes them here. */
const BUILD = '@BUILD@';
const COMMANDS = ['@COMMANDS@'];
const bundle = join(__dirname, 'etl-bundle.cjs');
// The command: the first argument that names one (`etl --project p plan`: plan).
const command = process.argv.slice(2).find((a) => COMMANDS.includes(a));
const cacheFile = join(__dirname, `etl-bundle${command === undefined ? '' : `.${command}`}.cache`);
// ASCII (scripts/bundle.mjs checks): as Latin-1, a one-byte string, without UTF-8's decoding.
const source = readFileSync(bundle, 'latin1');
const { size, mtimeMs } = statSync(bundle);
const key = [BUILD, size, mtimeMs, process.version, process.arch].join(' ');
const useCache = process.env.ETL_CODE_CACHE !== '0';

let cached;
if (useCache)
  try {
    const file = readFileSync(cacheFile);
    const end = file.indexOf(10);
    const header = JSON.parse(file.subarray(0, end).toString('utf8'));
    if (header.key === key) cached = file.subarray(end + 1);
  } catch {
    // No cache yet, or not one of ours: compiled from source.
  }

const script = new vm.Script(Module.wrap(source), {
  filename: bundle,
  // No importModuleDynamically: a script compiled from a code cache loses it (Node 20), so the
  // bundle has no import() (scripts/bundle.mjs checks).
  cachedData: cached,
});
const stale = cached === undefined || script.cachedDataRejected === true;
if (useCache && process.env.ETL_CODE_CACHE_DEBUG === '1')
  process.stderr.write(
    `code cache: ${cached === undefined ? 'none' : stale ? 'rejected' : 'used'} (${command ?? 'no command'})\n`,
  );
if (useCache && stale)
  process.once('exit', () => {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    let fd;
    try {
      // Opened first: a read-only install does not pay for making a cache it cannot keep.
      fd = openSync(tmp, 'w');
    } catch {
      return;
    }
    try {
      writeSync(fd, `${JSON.stringify({ key })}\n`);
      writeSync(fd, script.createCachedData());
      closeSync(fd);
      fd = undefined;
      // Whole or not at all: a run starting meanwhile reads the old file or the new one.
      renameSync(tmp, cacheFile);
    } catch {
      if (fd !== undefined) closeSync(fd);
      rmSync(tmp, { force: true });
    }
  });

const bundled = { exports: {} };
script
  .runInThisContext()
  .call(bundled.exports, bundled.exports, Module.createRequire(bundle), bundled, bundle, __dirname);
