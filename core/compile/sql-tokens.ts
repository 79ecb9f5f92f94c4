/**
 * SQL read into tokens as sql-formatter's DuckDB tokenizer reads them (see fingerprint.ts),
 * most of them by hand: its tokenizer tries some twenty regular expressions at each token, and
 * loading and running it was a quarter of compiling 1,000 models. Only tokens read here the
 * way it reads them are read by hand: plain ASCII words, whole numbers and decimals, strings,
 * quoted names, comments, brackets and operators. Anything else (a `$`, a `?`, a letter
 * beyond ASCII, `E'...'`, `1e5`, `.5`, `-1`...) is handed to the tokenizer at that point, for
 * that one token. test/unit/sql-tokens.test.ts compares the two on generated SQL.
 */

/** What a token is, as far as etl cares: SQL, or a comment of either kind. */
export type TokenKind = 'sql' | 'line comment' | 'block comment';

/**
 * The tokenizer's reading of the one token at `index`, after any whitespace there (none at the
 * end): its text as written, its kind, and where it ends. Throws where it cannot read one.
 */
export type SlowToken = (
  sql: string,
  index: number,
) => { readonly raw: string; readonly kind: TokenKind; readonly next: number } | undefined;

/**
 * The tokens of `sql`, each passed to `visit` in order; `slow` reads those not read here.
 * Throws where the tokenizer cannot read the text.
 */
export function scanSql(
  sql: string,
  slow: () => SlowToken,
  visit: (raw: string, kind: TokenKind) => void,
): void {
  const length = sql.length;
  let i = 0;
  while (i < length) {
    const c = sql.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) {
      i++;
      continue;
    }
    const end = fastToken(sql, i, c);
    if (end > 0) {
      visit(sql.slice(i, end), 'sql');
      i = end;
    } else if (end < 0) {
      // A comment, read by hand.
      visit(sql.slice(i, -end), c === MINUS ? 'line comment' : 'block comment');
      i = -end;
    } else {
      const token = slow()(sql, i);
      if (token === undefined) return;
      visit(token.raw, token.kind);
      i = token.next;
    }
  }
}

/**
 * Where the token at `i` (its first character `c`) ends when it is read here; the negated end
 * for a comment; 0 when the tokenizer must read it.
 */
function fastToken(sql: string, i: number, c: number): number {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
    // A word: a name or a keyword (keywords are read as written). A `$` or a letter beyond
    // ASCII may continue it, a one-letter E, B or X before a quote makes a string: the
    // tokenizer's.
    let j = i + 1;
    while (j < sql.length && isWordChar(sql.charCodeAt(j))) j++;
    const next = sql.charCodeAt(j);
    if (next === DOLLAR || next >= 128) return 0;
    if (j === i + 1 && next === QUOTE && PREFIXES.includes(c)) return 0;
    return j;
  }
  if (c >= 48 && c <= 57) return number(sql, i);
  switch (c) {
    case QUOTE:
    case DOUBLE_QUOTE:
      return quoted(sql, i, c);
    case 44: // ,
    case 59: // ;
    case 40: // (
    case 41: // )
    case 91: // [
    case 93: // ]
    case 123: // {
    case 125: // }
      return i + 1;
    case 46: {
      // `.`, unless a number starts with it.
      const next = sql.charCodeAt(i + 1);
      return (next >= 48 && next <= 57) || next === UNDERSCORE ? 0 : i + 1;
    }
    case MINUS: {
      if (sql.charCodeAt(i + 1) === MINUS) return lineComment(sql, i);
      // A number when digits follow, maybe after whitespace (kept in the token).
      let j = i + 1;
      let k = sql.charCodeAt(j);
      while (k === 32 || (k >= 9 && k <= 13)) k = sql.charCodeAt(++j);
      if (k >= 48 && k <= 57) return number(sql, i, j);
      if (k === 46 || k === UNDERSCORE || k >= 128) return 0;
      return operator(sql, i);
    }
    case SLASH:
      return sql.charCodeAt(i + 1) === STAR ? blockComment(sql, i) : operator(sql, i);
    default:
      return c < 128 && OPERATOR_FIRST.has(c) ? operator(sql, i) : 0;
  }
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === UNDERSCORE;
}

/**
 * A whole number or a decimal (`12`, `1.5`) from `digits`, where its digits start (after a
 * `-` and whitespace at `i`); 0 for anything else (exponents, `_`, a letter or `.` after it).
 */
function number(sql: string, i: number, digits = i): number {
  let j = digits;
  while (isDigit(sql.charCodeAt(j))) j++;
  if (sql.charCodeAt(j) === 46 && isDigit(sql.charCodeAt(j + 1))) {
    j++;
    while (isDigit(sql.charCodeAt(j))) j++;
  }
  const next = sql.charCodeAt(j);
  if (isWordChar(next) || next === 46 || next >= 128) return 0;
  return j;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** A string or quoted name, a doubled quote inside it; 0 when it does not end. */
function quoted(sql: string, i: number, quote: number): number {
  let j = i;
  for (;;) {
    const close = sql.indexOf(quote === QUOTE ? "'" : '"', j + 1);
    if (close < 0) return 0;
    j = close + 1;
    if (sql.charCodeAt(j) !== quote) return j;
  }
}

/** `-- ...` to the end of its line, negated; 0 before a line separator beyond ASCII. */
function lineComment(sql: string, i: number): number {
  let j = i + 2;
  for (; j < sql.length; j++) {
    const c = sql.charCodeAt(j);
    if (c === 10 || c === 13) break;
    if (c === 0x2028 || c === 0x2029) return 0;
  }
  return -j;
}

/** `/* ... *\/`, nested, negated; 0 when it does not end, or turns the formatter off. */
function blockComment(sql: string, i: number): number {
  DISABLE.lastIndex = i;
  if (DISABLE.test(sql)) return 0;
  let depth = 1;
  let j = i + 2;
  while (j < sql.length) {
    const c = sql.charCodeAt(j);
    if (c === SLASH && sql.charCodeAt(j + 1) === STAR) {
      depth++;
      j += 2;
    } else if (c === STAR && sql.charCodeAt(j + 1) === SLASH) {
      j += 2;
      if (--depth === 0) return -j;
    } else j++;
  }
  return 0;
}

/** The longest operator at `i` (or `*` alone); 0 when none. */
function operator(sql: string, i: number): number {
  for (let n = LONGEST_OPERATOR; n > 0; n--) if (OPERATORS.has(sql.slice(i, i + n))) return i + n;
  return sql.charCodeAt(i) === STAR ? i + 1 : 0;
}

const QUOTE = 39;
const DOUBLE_QUOTE = 34;
const DOLLAR = 36;
const MINUS = 45;
const SLASH = 47;
const STAR = 42;
const UNDERSCORE = 95;
/** E'...', B'...', X'...' (either case). */
const PREFIXES = [69, 101, 66, 98, 88, 120];
const DISABLE = /\/\* *sql-formatter-disable *\*\//uy;

/** sql-formatter's operators for DuckDB: its own, then the dialect's (a test compares them). */
export const DUCKDB_OPERATORS: readonly string[] = [
  '+',
  '-',
  '/',
  '>',
  '<',
  '=',
  '<>',
  '<=',
  '>=',
  '!=',
  '//',
  '%',
  '**',
  '^',
  '!',
  '&',
  '|',
  '~',
  '<<',
  '>>',
  '::',
  '==',
  '->',
  '->>',
  ':',
  ':=',
  '=>',
  '~~',
  '!~~',
  '~~*',
  '!~~*',
  '~~~',
  '~',
  '!~',
  '~*',
  '!~*',
  '^@',
  '||',
  '>>=',
  '<<=',
];
const OPERATORS = new Set(DUCKDB_OPERATORS);
const LONGEST_OPERATOR = Math.max(...DUCKDB_OPERATORS.map((o) => o.length));
/** First characters of operators, but `-` and `/` (comments, numbers: read above). */
const OPERATOR_FIRST = new Set(
  [...DUCKDB_OPERATORS, '*'].map((o) => o.charCodeAt(0)).filter((c) => c !== MINUS && c !== SLASH),
);
