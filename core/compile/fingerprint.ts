import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { sha256 } from '../util/hash.js';
import { scanSql, type SlowToken, type TokenKind } from './sql-tokens.js';

/**
 * A model's fingerprint: what changes the data it writes, in three parts so that a change can
 * be told (`sql.config.views`, 16 hex digits each):
 * - the SQL it renders, with comments and insignificant whitespace removed, for both branches
 *   of `is_incremental()`, and the relations it reads;
 * - the config that changes its output (materialization, time column, grain, unique key,
 *   schema; `start` only for models whose windows build on earlier ones);
 * - the fingerprints of the views it reads (a view holds no data of its own, so a change to
 *   its definition is a change to what the model reads). Models, tables and seeds upstream are
 *   tracked by their data versions instead, so a rebuild that changes nothing upstream makes
 *   nothing stale downstream.
 * Descriptions, tags, tests, lookback, batch_size and on_schema_change are left out.
 */
export function modelFingerprint(parts: {
  readonly sql: readonly string[];
  readonly config: string;
  readonly views: readonly string[];
}): string {
  return [
    sha256(...parts.sql.map(normalizeSql)),
    sha256(parts.config),
    sha256(...[...parts.views].sort()),
  ]
    .map((h) => h.slice(0, 16))
    .join('.');
}

/** Why a model's fingerprint changed, in words: `sql changed`, `config changed`... */
export function fingerprintChange(recorded: string, current: string): string {
  const before = recorded.split('.');
  const after = current.split('.');
  if (before.length !== 3) return 'definition changed';
  const changed: string[] = [];
  if (before[0] !== after[0]) changed.push('sql');
  if (before[1] !== after[1]) changed.push('config');
  if (before[2] !== after[2]) changed.push('an upstream view');
  return changed.length === 0 ? 'definition changed' : `${changed.join(' and ')} changed`;
}

const normalized = new Map<string, string>();

/**
 * SQL as a sequence of tokens without comments, one space apart: equal for texts that differ
 * only in comments and whitespace outside strings and quoted names. The tokens are those of
 * sql-formatter's DuckDB tokenizer, most of them read by hand (sql-tokens.ts); a text it
 * cannot read is kept as it is (an edit to it then counts as a change, which is safe).
 */
export function normalizeSql(sql: string): string {
  let out = normalized.get(sql);
  if (out === undefined) {
    out = tokenizeNormal(sql);
    if (normalized.size > 10_000) normalized.clear();
    normalized.set(sql, out);
  }
  return out;
}

function tokenizeNormal(sql: string): string {
  try {
    const raws: string[] = [];
    scanSql(sql, slowToken, (raw, kind) => {
      if (kind === 'sql') raws.push(raw);
    });
    return raws.join(' ');
  } catch {
    return sql.trim();
  }
}

let slow: SlowToken | undefined;

/** The tokenizer, loaded when a token first needs it (see sql-tokens.ts). */
function slowToken(): SlowToken {
  slow ??= loadTokenizer();
  return slow;
}

/**
 * sql-formatter's tokenizer with its DuckDB settings, reading one token at a time. The package
 * exports only its formatter, so the tokenizer is loaded from its files (the version is
 * pinned; test/unit/sql-tokens.test.ts guards it). Keyword lists are left out: only strings,
 * names, comments and operators matter here, and without them it reads a model in a fraction
 * of the time (the rules they leave, which match no text, are dropped too).
 */
export function loadTokenizer(): SlowToken {
  const require = createRequire(import.meta.url);
  const base = dirname(require.resolve('sql-formatter'));
  type Rule = { readonly type: string; readonly regex: unknown };
  const Tokenizer = (
    require(join(base, 'lexer/Tokenizer.js')) as {
      default: new (
        options: unknown,
        dialect: string,
      ) => {
        readonly cfg: unknown;
        readonly rulesBeforeParams: Rule[];
        readonly rulesAfterParams: Rule[];
        buildParamRules(cfg: unknown, overrides: object): Rule[];
      };
    }
  ).default;
  const Engine = (
    require(join(base, 'lexer/TokenizerEngine.js')) as {
      default: new (
        rules: Rule[],
        dialect: string,
      ) => {
        input: string;
        index: number;
        getWhitespace(): unknown;
        getNextToken(): { type: string; raw: string } | undefined;
        createParseError(): Error;
      };
    }
  ).default;
  const { duckdb } = require(join(base, 'languages/duckdb/duckdb.formatter.js')) as {
    duckdb: { tokenizerOptions: Record<string, unknown> };
  };
  const options = Object.fromEntries(
    Object.entries(duckdb.tokenizerOptions).map(([key, value]) => [
      key,
      key.startsWith('reserved') ? [] : value,
    ]),
  );
  const tokenizer = new Tokenizer(options, 'duckdb');
  // The rules of an empty keyword list match only an empty text: left out.
  const matchesText = (rule: Rule) => String(rule.regex) !== String(/^\b$/u);
  const engine = new Engine(
    [
      ...tokenizer.rulesBeforeParams.filter(matchesText),
      ...tokenizer.buildParamRules(tokenizer.cfg, {}),
      ...tokenizer.rulesAfterParams,
    ],
    'duckdb',
  );
  return (sql, index) => {
    engine.input = sql;
    engine.index = index;
    engine.getWhitespace();
    if (engine.index >= sql.length) return undefined;
    const token = engine.getNextToken();
    if (token === undefined) throw engine.createParseError();
    const kind =
      token.type === 'LINE_COMMENT'
        ? 'line comment'
        : token.type === 'BLOCK_COMMENT'
          ? 'block comment'
          : 'sql';
    return { raw: token.raw, kind, next: engine.index };
  };
}

/**
 * Whether SQL ends in a `-- comment` (a line comment as its last token, not `--` inside a
 * string). A text the tokenizer cannot read is taken to (a line break more is harmless).
 */
export function endsInLineComment(sql: string): boolean {
  if (!sql.slice(sql.lastIndexOf('\n') + 1).includes('--')) return false;
  try {
    let last: TokenKind | undefined;
    scanSql(sql, slowToken, (_raw, kind) => {
      last = kind;
    });
    return last === 'line comment';
  } catch {
    return true;
  }
}
