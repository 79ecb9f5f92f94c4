import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The shape of the source tree, checked: folders import only folders below them (no cycle
 * between folders, however long), and only core/engine/ talks to the DuckDB driver.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const path = join(dir, e);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const files = [...sources(join(ROOT, 'core')), ...sources(join(ROOT, 'cli'))];
const text = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));

/** A file's unit: its folder, or itself for files at the top of core/ and cli/ (errors.ts, main.ts). */
function unit(file: string): string {
  const folder = relative(ROOT, dirname(file));
  return folder === 'core' || folder === 'cli' ? relative(ROOT, file) : folder;
}

/** Imports between units, each with the files that make it. */
function unitGraph(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const [file, source] of text) {
    for (const m of source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts');
      const [a, b] = [unit(file), unit(target)];
      if (a === b) continue;
      const edges = graph.get(a) ?? new Map<string, string[]>();
      edges.set(b, [...(edges.get(b) ?? []), relative(ROOT, file)]);
      graph.set(a, edges);
    }
  }
  return graph;
}

/** Every cycle's units, found by a depth-first walk (one cycle per back edge). */
function cycles(graph: Map<string, Map<string, string[]>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (u: string): void => {
    state.set(u, 'open');
    path.push(u);
    for (const v of graph.get(u)?.keys() ?? []) {
      if (state.get(v) === 'open') found.push([...path.slice(path.indexOf(v)), v]);
      else if (state.get(v) === undefined) visit(v);
    }
    path.pop();
    state.set(u, 'done');
  };
  for (const u of graph.keys()) if (state.get(u) === undefined) visit(u);
  return found;
}

describe('the source tree', () => {
  it('has no import cycle between folders', () => {
    const graph = unitGraph();
    const found = cycles(graph).map((c) =>
      c
        .slice(1)
        .map((v, i) => `${c[i]} -> ${v} (${graph.get(c[i]!)!.get(v)!.join(', ')})`)
        .join('; '),
    );
    expect(found).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const graph = new Map([
      ['a', new Map([['b', ['a.ts']]])],
      ['b', new Map([['c', ['b.ts']]])],
      ['c', new Map([['a', ['c.ts']]])],
    ]);
    expect(cycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('talks to the DuckDB driver only in core/engine/', () => {
    const outside = [...text]
      .filter(([f, s]) => /['"]@duckdb\/node-api['"]/.test(s) && unit(f) !== 'core/engine')
      .map(([f]) => relative(ROOT, f));
    expect(outside).toEqual([]);
  });

  it('writes DuckDB-only SQL only in core/engine/ (and in the starter project it writes)', () => {
    // Fragments of SQL DuckDB has and other engines do not; core/engine/dialect.ts owns them.
    const patterns = [
      /\bepoch_ms\(/,
      /\bQUALIFY\b/,
      /\bsum\(hash\(/,
      /\berror\('/,
      /\bGROUP BY ALL\b/i,
      /\bread_csv\b/,
      /\bATTACH\b/,
      /COLUMNS\(\*\)/,
      /\bstring_agg\b/,
      /\bstruct_pack\b/,
      /\bdate_trunc\(/,
      /\bconcat_ws\(/,
      /\bduckdb_\w+\(/,
      /\browid\b/,
      /\bhash\(/,
      /\bto_hex\(/,
      /\b(HUGEINT|UBIGINT)\b/,
      /\bDESCRIBE\b/,
      /\binformation_schema\b/,
      /\bread_(parquet|json\w*)\(/,
    ];
    // Not even the starter project of init.ts: its models run on both engines.
    const pending: string[] = [];
    const found = [...text]
      .filter(([f]) => unit(f) !== 'core/engine')
      .filter(([, source]) => {
        const code = source.split('\n').filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l));
        return patterns.some((p) => code.some((l) => p.test(l)));
      })
      .map(([f]) => relative(ROOT, f))
      .sort();
    expect(found).toEqual(pending);
  });
});
