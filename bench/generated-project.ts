import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A small deterministic generator (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A project of `n` models in a layered DAG: each refs 1-3 earlier ones (the first refs a
 * seed), a third are daily incremental models, the rest views and tables.
 */
export function writeLayeredProject(dir: string, n: number): void {
  mkdirSync(join(dir, 'models'), { recursive: true });
  mkdirSync(join(dir, 'seeds'), { recursive: true });
  writeFileSync(join(dir, 'seeds', 'src.csv'), 'id,d\n1,2024-01-01\n');
  layeredParents(n).forEach((parents, i) => {
    const config =
      i % 3 === 0
        ? "{{ config(materialized='incremental', time_column='d', start='2024-01-01', tags=['inc']) }}"
        : i % 3 === 1
          ? "{{ config(materialized='view') }}"
          : "{{ config(materialized='table') }}";
    const joins = parents
      .slice(1)
      .map((p, k) => `join {{ ref('${p}') }} as p${k + 1} using (id)`)
      .join('\n');
    const where = i % 3 === 0 ? 'where p0.d >= {{ start }} and p0.d < {{ end }}' : '';
    writeFileSync(
      join(dir, 'models', `m${i}.sql`),
      `${config}\nselect p0.id, p0.d, {{ var('k', 1) }} as k\nfrom {{ ref('${parents[0]!}') }} as p0\n${joins}\n${where}\n`,
    );
  });
}

/**
 * The parents of each model `m<i>` of the layered DAG of `n` models: 1-3 earlier models, the
 * first the seed `src`. A third are incremental (i % 3 == 0), a third views, a third tables.
 */
export function layeredParents(n: number): string[][] {
  const random = prng(n);
  return Array.from({ length: n }, (_, i) =>
    i === 0
      ? ['src']
      : [
          ...new Set(
            Array.from(
              { length: 1 + Math.floor(random() * 3) },
              () => `m${Math.floor(random() * i)}`,
            ),
          ),
        ],
  );
}

/** `models` hourly models over a seed; every tenth reads the one before it. */
export function writeHourlyProject(dir: string, models: number): void {
  mkdirSync(join(dir, 'models'), { recursive: true });
  mkdirSync(join(dir, 'seeds'), { recursive: true });
  writeFileSync(join(dir, 'seeds', 'src.csv'), 'id,t\n1,2014-01-01 00:00:00\n');
  for (let i = 0; i < models; i++) {
    const from = i % 10 === 9 ? `h${i - 1}` : 'src';
    writeFileSync(
      join(dir, 'models', `h${i}.sql`),
      `{{ config(materialized='incremental', time_column='t', grain='hour', start='2014-01-01') }}\nselect id, t from {{ ref('${from}') }} where t >= {{ start }} and t < {{ end }}\n`,
    );
  }
}
