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
// The cache is only used for the same bundle, byte for byte (its sha256, taken as it is read:
// 1 ms; V8 compares only the length, so an edit of the same length would run the old code),
// and the same Node, and only as it was written (its own hash: V8 does not check one, and
// runs a damaged cache into a crash). Whatever a copy or an unpacking does to the files'
// times, the same bytes at the same path keep their caches. V8 checks the rest (its version, its flags) and rejects a
// cache that does not fit: the bundle then compiles from source, as without a cache, and the
// cache is written again. A cache made by a run that did not finish a command (help, a usage
// error, a failed command) holds less of it: the next run that does replaces it. A file that cannot be written
// (a read-only install, a full disk) means no cache, nothing else. ETL_CODE_CACHE=0 turns it
// off. With `node --enable-source-maps`, the bundle is loaded by Node's module loader instead,
// without the cache, so that stack traces point into etl's TypeScript sources.
'use strict';
const { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } = require('node:fs');
const { join } = require('node:path');
const { createHash } = require('node:crypto');
const Module = require('node:module');
const vm = require('node:vm');

/** etl's commands and its global options that take a value: scripts/bundle.mjs writes them. */
const COMMANDS = ['@COMMANDS@'];
const VALUED = ['@VALUED@'];
const args = process.argv.slice(2);
const command = commandOf(args);
// What the bundle sets when a command's action has run to its end (cli/main.ts).
const COMMAND_FINISHED = Symbol.for('etl.commandFinished');
const bundle = join(__dirname, 'etl-bundle.cjs');
// Node's and V8's flags (node --max-old-space-size=..., NODE_OPTIONS): V8 rejects a cache made
// under other flags, so each set of them has a cache of its own, and runs that alternate
// between two sets (cron's and a shell's) do not rewrite one cache on every switch.
const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ').trim();
const flagSet =
  flags === '' ? undefined : digest(Buffer.from(flags)).replace(/\W/g, '').slice(0, 10);
const cacheFile = join(
  __dirname,
  ['etl-bundle', command, flagSet, 'cache'].filter((part) => part !== undefined).join('.'),
);
if (process.sourceMapsEnabled) {
  // node --enable-source-maps: Node maps the stack traces of what its module loader compiled,
  // not of a vm.Script. The bundle is loaded by it, without the cache.
  require(bundle);
} else runWithCache();

/** Compile and run the bundle with the command's code cache, and save it if it was stale. */
function runWithCache() {
  const program = readFileSync(bundle);
  // ASCII (scripts/bundle.mjs checks): as Latin-1, a one-byte string, without UTF-8's decoding.
  const source = program.toString('latin1');
  // Its path too: V8 keeps the file name a cache was made under, for stack traces.
  const key = [digest(program), bundle, process.version, process.arch].join(' ');
  const useCache = process.env.ETL_CODE_CACHE !== '0';

  let cached;
  let cachedComplete = false;
  if (useCache)
    try {
      const file = readFileSync(cacheFile);
      const end = file.indexOf(10);
      const header = JSON.parse(file.subarray(0, end).toString('utf8'));
      const bytes = file.subarray(end + 1);
      if (header.key === key) {
        cached = bytes;
        // Damaged (a disk's fault, a copy cut short): as if V8 had rejected it.
        if (header.sha256 !== digest(bytes)) cached = Buffer.alloc(0);
        cachedComplete = header.complete === true;
      }
    } catch {
      // No cache yet, or not one of ours: compiled from source.
    }

  const script = new vm.Script(Module.wrap(source), {
    filename: bundle,
    // No importModuleDynamically: a script compiled from a code cache loses it (Node 20), so the
    // bundle has no import() (scripts/bundle.mjs checks).
    cachedData: cached === undefined || cached.length === 0 ? undefined : cached,
  });
  const rejected =
    cached !== undefined && (cached.length === 0 || script.cachedDataRejected === true);
  const stale = cached === undefined || rejected;
  if (useCache && process.env.ETL_CODE_CACHE_DEBUG === '1')
    process.stderr.write(
      `code cache: ${cached === undefined ? 'none' : rejected ? 'rejected' : 'used'} (${command ?? 'no command'})\n`,
    );
  if (useCache && (stale || !cachedComplete))
    process.once('exit', (code) => {
      const complete = code === 0 && globalThis[COMMAND_FINISHED] === true;
      // A cache that holds the whole command is kept; one made by a shorter run is replaced.
      if (!stale && !complete) return;
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      let fd;
      try {
        // Opened first: a read-only install does not pay for making a cache it cannot keep.
        fd = openSync(tmp, 'w');
      } catch {
        return;
      }
      try {
        const bytes = script.createCachedData();
        writeAll(fd, Buffer.from(`${JSON.stringify({ key, sha256: digest(bytes), complete })}\n`));
        writeAll(fd, bytes);
        // Forgotten first: a close that fails (a network disk's ENOSPC) has freed it all the same.
        const open = fd;
        fd = undefined;
        closeSync(open);
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
    .call(
      bundled.exports,
      bundled.exports,
      Module.createRequire(bundle),
      bundled,
      bundle,
      __dirname,
    );
}

/** The command of a command line, as commander finds it: the first argument not an option's. */
function commandOf(argv) {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (VALUED.includes(a)) i++;
    else if (!a.startsWith('-')) return COMMANDS.includes(a) ? a : undefined;
  }
  return undefined;
}

/** The hash a cache's header gives of its bytes. */
function digest(bytes) {
  return createHash('sha256').update(bytes).digest('base64');
}

/** All of `bytes`, or an error: a full disk makes writeSync write less, without one. */
function writeAll(fd, bytes) {
  for (let at = 0; at < bytes.length;) {
    const n = writeSync(fd, bytes, at, bytes.length - at);
    if (n <= 0) throw new Error('the disk took no more');
    at += n;
  }
}
