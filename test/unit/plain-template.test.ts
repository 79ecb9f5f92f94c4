import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import nunjucks from 'nunjucks';
import { afterAll, describe, expect, it } from 'vitest';
import { createTemplateEnv } from '../../core/compile/template-env.js';
import { macroLibrary } from '../../core/compile/macros.js';
import { PlainTemplate, parsePlain } from '../../core/compile/plain-template.js';
import { renderContext } from '../../core/compile/render-context.js';
import { windowContaining } from '../../core/time/window.js';
import { TemplateCallError } from '../../core/compile/template-error.js';

/**
 * The claim of plain-template.ts: a template it reads renders exactly as Nunjucks renders the
 * same text in etl's environment (same output or the same error, the same calls of the
 * context's functions), and it reads nothing Nunjucks rejects. Checked on templates made of
 * the pieces that make its reading hard: whitespace control, comments, strings holding tag
 * ends, every literal, names the context has and has not, calls that throw or give nothing.
 */
const root = mkdtempSync(join(tmpdir(), 'etl-plain-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const { env } = createTemplateEnv(root, macroLibrary([]));

/** A render context like a model's, whose functions write what they are called with. */
function context(log: string[], isIncremental: boolean): Record<string, unknown> {
  const ctx = renderContext({
    window: windowContaining(Date.UTC(2024, 2, 5, 13), 'hour'),
    isIncremental,
    self: '"main"."m"',
    vars: { k: 1, s: 'x', list: ['a', 'b'], nul: null, obj: { a: 1 } },
    target: { name: 'dev', type: 'duckdb', schema: 'main' },
    env: { E: 'e' },
    log: (m) => log.push(`log ${m}`),
    ref: (name) => {
      log.push(`ref ${name}`);
      if (name === 'nope') throw new TemplateCallError(`unknown model or seed '${name}'`);
      return `"main"."${name}"`;
    },
    source: (group, name) => {
      log.push(`source ${group}.${name}`);
      if (group !== 'raw') throw new TemplateCallError(`unknown source group '${group}'`);
      return `"raw"."${name}"`;
    },
    config: (kwargs) => log.push(`config ${JSON.stringify(kwargs)}`),
  });
  // Names no etl context has, so that a reader that assumed them absent, or read the members
  // Jinja's compatibility gives every object as keys, would be caught.
  return { ...ctx, None: 'shadowed', meta: { items: 'i', keys: 'k', name: 'n', n: 0 } };
}

type Outcome = { output?: string; error?: string; log: string[] };

function outcome(render: (ctx: Record<string, unknown>) => string, inc: boolean): Outcome {
  const log: string[] = [];
  try {
    return { output: render(context(log, inc)), log };
  } catch (error) {
    return { error: (error as Error).message, log };
  }
}

const stats = { templates: 0, nunjucksRejects: 0, plain: 0, fastRenders: 0 };

/** Compare both ways of reading and rendering `text`; false when they differ. */
function agrees(text: string): boolean {
  stats.templates++;
  let full: nunjucks.Template | undefined;
  let compileError: unknown;
  try {
    full = new nunjucks.Template(text, env, 'models/m.sql', true);
  } catch (error) {
    compileError = error;
  }
  const parts = parsePlain(text);
  if (full === undefined) {
    stats.nunjucksRejects++;
    if (parts !== undefined)
      throw new Error(`read as plain, rejected by Nunjucks (${String(compileError)})`);
    return true;
  }
  if (parts === undefined) return true;
  stats.plain++;
  for (const inc of [false, true]) {
    let declined = false;
    const plain = new PlainTemplate(parts, () => {
      declined = true;
      return full;
    });
    const expected = outcome((ctx) => full.render(ctx), inc);
    const got = outcome((ctx) => plain.render(ctx), inc);
    expect(got.output, JSON.stringify(text)).toBe(expected.output);
    expect(got.error, JSON.stringify(text)).toBe(expected.error);
    if (!declined) {
      stats.fastRenders++;
      expect(got.log, JSON.stringify(text)).toEqual(expected.log);
    } else {
      // Handed to Nunjucks: what the plain render called before is called again, so it may
      // only have called what is safe to repeat (log() writes a line each time).
      const logged = (l: string[]) => l.filter((e) => e.startsWith('log ')).length;
      expect(logged(got.log), JSON.stringify(text)).toBe(logged(expected.log));
    }
  }
  return true;
}

const SPACE = [' ', '  ', '\n', '\t', '\r\n', '\u00a0', '\u2003', ''];
const VALUES = [
  "'s'",
  '"d q"',
  "'a}}b'",
  "'#}'",
  "'{{'",
  "'it\\'s'",
  "'a\\nb'",
  "'c\\\\'",
  "'unclosed",
  '1',
  '01',
  '2.5',
  '3.',
  '-4',
  '- 5',
  '--6',
  '-x',
  'true',
  'false',
  'none',
  'null',
  'True',
  'False',
  'None',
  '[]',
  "[1, 'x', [true, none]]",
  '[1,]',
  '[ 1 , 2 ]',
  "{'a': 1}",
  'k',
  '1e5',
];
const EXPRESSIONS = [
  'start',
  'end',
  'ds',
  'ds_nodash',
  'this',
  'ts',
  'target.schema',
  'target . name',
  'target.items',
  'target.missing',
  'meta.items',
  'meta.keys',
  'meta.name',
  'meta.n',
  'target.name.x',
  'missing_name',
  'range',
  'loop',
  'is_incremental()',
  'is_incremental ()',
  'is_incremental',
  "ref('m1')",
  "ref ( 'm1' )",
  'ref("m2")',
  "ref('nope')",
  "ref('m1', 'x')",
  'ref()',
  "ref('m1') | upper",
  "ref('m1').upper()",
  "ref(var('s'))",
  "literal(var('s'))",
  "literal(var('nul'))",
  "literal(var('missing', none))",
  "var('k', var('s'))",
  'var(target.name, 2)',
  'var(missing_name, 2)',
  "config(tags=var('list'))",
  'literal(True)',
  'literal(is_incremental())',
  "var('k')",
  "var('s')",
  "var('list')",
  "var('nul')",
  "var('obj')",
  "var('missing')",
  "var('missing', 3)",
  "var('missing', default=3)",
  "config(materialized='table', tags=['a', 'b'])",
  "config(materialized = 'view', enabled=True, x=None)",
  'config(a=1, a=2, b=[1, [2]])',
  "config(a=1, 'x')",
  "config('x')",
  'config(a==1)',
  'config(a=)',
  'config(a=1,)',
  "literal('x')",
  'literal([1, 2])',
  'literal([])',
  "env_var('E')",
  "env_var('NOPE', 'd')",
  "env_var('NOPE')",
  "source('raw', 'ev')",
  "source('other', 'ev')",
  "log('hi', info=True)",
  'range(2)',
  'x if y else z',
  'in',
  'not',
  'if',
  "var('k', in=1)",
  "var('k', not=1)",
  'not x',
  '1 + 2',
  'r/x/',
  ...VALUES,
];
const COMMENTS = [
  '{# c #}',
  '{#- c #}',
  '{# c -#}',
  '{#-#}',
  '{##}',
  '{# {{ x }} #}',
  '{#}',
  '{# x',
];
const DATA = [
  'select * from t',
  ' where d >= ',
  '\n',
  ' ',
  '\t\n  ',
  '\u00a0',
  ',',
  '{',
  '}',
  '#',
  '-',
  '#}',
  "'",
  '{ {',
  'x{',
  '%}',
];

const hole = fc
  .tuple(
    fc.constantFrom('{{', '{{-'),
    fc.constantFrom(...SPACE),
    fc.constantFrom(...EXPRESSIONS),
    fc.constantFrom(...SPACE),
    fc.constantFrom('}}', '-}}', ' -}}', '- }}', '}', ''),
  )
  .map((p) => p.join(''));
const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...DATA) },
  { weight: 4, arbitrary: hole },
  { weight: 1, arbitrary: fc.constantFrom(...COMMENTS) },
  { weight: 1, arbitrary: fc.constantFrom('{% if true %}y{% endif %}', '{%', '{{ ', '}}') },
);
/** Token soup: the same pieces cut small, so that tags end and start in odd places. */
const soup = fc.constantFrom(
  '{{',
  '}}',
  '{{-',
  '-}}',
  '{#',
  '#}',
  '-',
  ' ',
  '\n',
  "'",
  '"',
  '(',
  ')',
  '[',
  ']',
  ',',
  '=',
  '.',
  'ref',
  'var',
  'config',
  'start',
  'target',
  'schema',
  "'m1'",
  'k',
  '1',
  'x',
  'True',
);

describe('plain templates render as Nunjucks does', () => {
  it('on templates made of holes, comments and text', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => agrees(pieces.join(''))),
      { numRuns: 6000 },
    );
  });

  it('on token soup', () => {
    fc.assert(
      fc.property(fc.array(soup, { maxLength: 14 }), (pieces) => agrees(pieces.join(''))),
      { numRuns: 6000 },
    );
  });

  it('on the shapes models are written in', () => {
    for (const text of [
      "{{ config(materialized='incremental', time_column='d', start='2024-01-01', tags=['inc']) }}\nselect p0.id, {{ var('k', 1) }} as k\nfrom {{ ref('m1') }} as p0\nwhere p0.d >= {{ start }} and p0.d < {{ end }}\n",
      "{#- a comment -#}\nselect '{{ ds }}' as day, {{ literal(var('s')) }} from {{ source('raw', 'ev') }}",
      "select 1 {{- ' x ' -}} , 2 {# trailing -#}   \n",
      "{{ log('hi', info=True) }}{{ ref('nope') }}",
      "{{ config(materialized='table') }}{{ ref('m1') }}{{ var('nul') }}",
    ]) {
      expect(parsePlain(text), text).toBeDefined();
      agrees(text);
    }
  });

  it('reads most generated templates itself, and renders most of those without Nunjucks', () => {
    // The properties above ran first: this guards that they tested the fast path, not only
    // the fallback (a reader that declines everything would pass them).
    expect(stats.plain).toBeGreaterThan(stats.templates / 10);
    expect(stats.fastRenders).toBeGreaterThan(stats.plain / 2);
    expect(stats.nunjucksRejects).toBeGreaterThan(stats.templates / 10);
    console.log(stats);
  });
});
