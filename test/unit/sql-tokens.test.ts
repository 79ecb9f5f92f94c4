import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { endsInLineComment, normalizeSql } from '../../core/compile/fingerprint.js';
import { DUCKDB_OPERATORS } from '../../core/compile/sql-tokens.js';

/**
 * SQL normalized by the tokens read by hand (core/compile/sql-tokens.ts) is exactly what
 * sql-formatter's DuckDB tokenizer alone makes of it: a difference would change fingerprints,
 * and rebuild a user's windows for nothing after an upgrade.
 */
const require = createRequire(import.meta.url);
const base = dirname(require.resolve('sql-formatter'));
type Token = { type: string; raw: string };
const Tokenizer = (
  require(join(base, 'lexer/Tokenizer.js')) as {
    default: new (o: unknown, d: string) => { tokenize(sql: string, p: object): Token[] };
  }
).default;
const { duckdb } = require(join(base, 'languages/duckdb/duckdb.formatter.js')) as {
  duckdb: { tokenizerOptions: Record<string, unknown> };
};
const options = Object.fromEntries(
  Object.entries(duckdb.tokenizerOptions).map(([k, v]) => [k, k.startsWith('reserved') ? [] : v]),
);
const reference = new Tokenizer(options, 'duckdb');

/** The tokenizer alone: how SQL was normalized before the tokens read by hand. */
function tokens(sql: string): Token[] | undefined {
  try {
    return reference.tokenize(sql, {});
  } catch {
    return undefined;
  }
}
function referenceNormal(sql: string): string {
  const all = tokens(sql);
  if (all === undefined) return sql.trim();
  return all
    .filter((t) => t.type !== 'LINE_COMMENT' && t.type !== 'BLOCK_COMMENT')
    .map((t) => t.raw)
    .join(' ');
}
function referenceEndsInLineComment(sql: string): boolean {
  if (!sql.slice(sql.lastIndexOf('\n') + 1).includes('--')) return false;
  const all = tokens(sql);
  return all === undefined ? true : all.at(-1)?.type === 'LINE_COMMENT';
}

const PIECES = [
  // Words, keywords and names, some beyond ASCII, some before a quote.
  ...['select', 'a', 'E', 'e', 'x', 'X', 'B', 'b', 'q', 'case', 'END', 'and', 'Or', 'xor'],
  ...['_x', '_', 'x_1', 'a$b', 'a$', 'é', 'naïve', 'ß', 'ǅ', 'operator', 'ſ', 'K', 'd1'],
  // Numbers.
  ...['0', '1', '12', '1.5', '1.', '.5', '1e5', '1E-3', '1_000', '0x1F', '0b10', '007', '1.5.2'],
  // Strings and quoted names, some not closed.
  ...["'a'", "'it''s'", "'open", "E'x\\'y'", "X'1F'", "b'01'", '$$body$$', '$t$x$t$', "''"],
  ...["'multi\nline'", '"Col"', '"a""b"', '"open', '""'],
  // Comments.
  ...['-- c\n', '--c', '/* c */', '/* a /* nested */ b */', '/* open', '/**/', '/*/', '*/'],
  ...['/* sql-formatter-disable */ x /* sql-formatter-enable */', '--\u2028x\n', '-- é\r\n'],
  // Operators and punctuation, and what no rule reads.
  ...DUCKDB_OPERATORS,
  ...['*', '.', ',', ';', '(', ')', '[', ']', '{', '}', '?', '$1', '$', '@', '#', '\\', '`'],
  ...['-', '--', '- 1', '-\n2', '-.5', '-_1', '->>', '<->', '!~~*', '**', '@>', '&&'],
];
const SPACES = ['', '', ' ', '  ', '\n', '\t', '\r\n', '\f', '\v', '\u00a0', '\u2028', '\ufeff'];

const pieceSql = fc
  .array(fc.tuple(fc.constantFrom(...PIECES), fc.constantFrom(...SPACES)), { maxLength: 14 })
  .map((parts) => parts.map(([piece, space]) => piece + space).join(''));
// Characters at random from those that matter to a tokenizer.
const charSql = fc
  .array(fc.constantFrom(...[...'-/*.\'"$_019aEeXxbq +<>=!~:|^&%@?;,()[]{}\n\t\r\u00a0é']), {
    maxLength: 24,
  })
  .map((chars) => chars.join(''));

describe('SQL tokens read by hand', () => {
  it('normalize SQL exactly as sql-formatter tokenizer does', () => {
    for (const arbitrary of [pieceSql, charSql])
      fc.assert(
        fc.property(arbitrary, (sql) => {
          expect(normalizeSql(sql)).toBe(referenceNormal(sql));
          expect(endsInLineComment(sql)).toBe(referenceEndsInLineComment(sql));
        }),
        { numRuns: 4000 },
      );
  });

  it('normalize the example project and typical models the same way', () => {
    const cases = [
      "select id, d -- a comment\nfrom main.src\nwhere d >= '2024-01-01' and d < '2024-01-02'\n",
      'select   id,   /* x */ d from "b" where amount > -1.5 and x::INTEGER = 3',
      "select {'a': 1}['a'] as v, [1, 2][1] as w, x->>'$.k' as j, 1e3 as e, $$s$$ as s",
      'select count(*) as n, sum(amount) filter (where amount > 0) from t group by all',
    ];
    for (const sql of cases) expect(normalizeSql(sql)).toBe(referenceNormal(sql));
  });

  it('know every operator of the pinned sql-formatter', () => {
    // Its own operators are written in its code; the dialect's are its settings.
    const dialect = duckdb.tokenizerOptions.operators as string[];
    expect(DUCKDB_OPERATORS.slice(10)).toEqual(dialect);
    for (const op of DUCKDB_OPERATORS) expect(tokens(op)?.map((t) => t.raw)).toEqual([op]);
    // The settings the tokens read by hand rely on.
    expect(options).toMatchObject({
      nestedBlockComments: true,
      extraParens: ['[]', '{}'],
      identTypes: ['""-qq'],
      identChars: { rest: '$' },
      underscoresInNumbers: true,
    });
    for (const key of [
      'lineCommentTypes',
      'variableTypes',
      'operatorKeyword',
      'propertyAccessOperators',
      'paramChars',
      'postProcess',
    ])
      expect(options[key]).toBeUndefined();
  });
});
