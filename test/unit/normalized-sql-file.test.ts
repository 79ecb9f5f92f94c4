import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempProject } from '../helpers/temp-project.js';

/**
 * Fingerprints made from the normalized SQL kept in .etl/ equal those of a compile that
 * tokenizes everything, and the file is really what a warm compile reads (each case starts from
 * fresh modules: no normalized SQL in memory).
 */
const FILES = {
  'etl.yml': 'name: kept\n',
  'seeds/src.csv': 'id,d\n1,2024-01-01\n',
  'models/a.sql':
    "{{ config(materialized='incremental', time_column='d', start='2024-01-01') }}\nselect id, d -- a comment\nfrom {{ ref('src') }}\nwhere d >= {{ start }} and d < {{ end }}\n",
  'models/b.sql':
    "{{ config(materialized='view') }}\nselect   id,   /* x */ d from {{ ref('a') }}\n",
  'models/c.sql': "{% if true %}select 1 as x{% endif %} from {{ ref('b') }}",
};

const projects: { cleanup(): void }[] = [];
afterEach(() => {
  for (const p of projects.splice(0)) p.cleanup();
});

/** Every model's fingerprint, compiled by a fresh copy of etl's modules. */
async function fingerprints(root: string): Promise<Record<string, string>> {
  vi.resetModules();
  const { openProject } = await import('../../core/api/open-project.js');
  const { compiled } = openProject({ project: root, env: {} });
  const out: Record<string, string> = {};
  for (const [name, node] of compiled.nodes)
    if (node.kind === 'model') out[name] = node.fingerprint;
  return out;
}

function keptFile(root: string): string {
  return join(root, '.etl', 'normalized-sql.json');
}

type Kept = { tokenizer: string; sql: Record<string, string> };

const read = (root: string) => JSON.parse(readFileSync(keptFile(root), 'utf8')) as Kept;

describe('normalized SQL kept in .etl/', () => {
  it('gives the fingerprints of a compile that tokenizes everything', async () => {
    const project = tempProject(FILES);
    projects.push(project);
    const cold = await fingerprints(project.root);
    const kept = read(project.root);
    // a (twice: is_incremental() false and true), b, c, and the relations they read.
    expect(Object.keys(kept.sql).length).toBeGreaterThanOrEqual(4);
    expect(kept.tokenizer).toMatch(/^sql-formatter \d+\.\d+\.\d+\/\d+$/);
    expect(await fingerprints(project.root)).toEqual(cold);

    // The file is what a warm compile reads: the same file with other contents changes them.
    writeFileSync(
      keptFile(project.root),
      JSON.stringify({
        ...kept,
        sql: Object.fromEntries(Object.keys(kept.sql).map((k) => [k, 'select 0'])),
      }),
    );
    const poisoned = await fingerprints(project.root);
    expect(poisoned.a).not.toBe(cold.a);

    // A file of another tokenizer, or one that is not JSON, is passed over.
    writeFileSync(
      keptFile(project.root),
      JSON.stringify({ ...kept, tokenizer: 'sql-formatter 0.0.1/1', sql: { x: 'y' } }),
    );
    expect(await fingerprints(project.root)).toEqual(cold);
    writeFileSync(keptFile(project.root), '{"tokenizer": ');
    expect(await fingerprints(project.root)).toEqual(cold);
    expect(read(project.root)).toEqual(kept);
  });

  it('keeps only what the last compile used', async () => {
    const project = tempProject(FILES);
    projects.push(project);
    await fingerprints(project.root);
    const before = read(project.root);
    writeFileSync(
      join(project.root, 'models/b.sql'),
      "select id, d from {{ ref('a') }} where id > 1\n",
    );
    await fingerprints(project.root);
    const after = read(project.root);
    // b's old SQL is gone, its new SQL is in.
    expect(Object.keys(after.sql)).toHaveLength(Object.keys(before.sql).length);
    expect(Object.keys(after.sql).filter((k) => !(k in before.sql))).toHaveLength(1);
  });

  it('compiles when .etl/ cannot be written', async () => {
    // A file where the folder would be: unwritable even for root.
    const project = tempProject({ ...FILES, '.etl': 'not a folder' });
    projects.push(project);
    expect(Object.keys(await fingerprints(project.root))).toEqual(['a', 'b', 'c']);
    expect(readFileSync(join(project.root, '.etl'), 'utf8')).toBe('not a folder');
  });
});
