import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { sha256 } from '../util/hash.js';

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

type Token = { readonly type: string; readonly raw: string };
type Tokenize = (sql: string) => readonly Token[];
let tokenizer: Tokenize | undefined;
const normalized = new Map<string, string>();

/**
 * Normalized SQL kept between runs (core/api/normalized-sql-file.ts): loading the tokenizer
 * and reading 1,000 models with it is a third of compiling them, for SQL that rarely changes.
 */
export interface NormalizedSqlStore {
  /** The normalized `sql` as kept, else `normalize()`'s, kept from now on. */
  lookup(sql: string, normalize: () => string): string;
}

let store: NormalizedSqlStore | undefined;

/** Look normalized SQL up in `kept` (and add to it) from now on; undefined stops. */
export function keepNormalizedSql(kept: NormalizedSqlStore | undefined): void {
  store = kept;
}

/**
 * SQL as a sequence of tokens without comments, one space apart: equal for texts that differ
 * only in comments and whitespace outside strings and quoted names. The tokens come from
 * sql-formatter's DuckDB tokenizer; a text it cannot read is kept as it is (an edit to it
 * then counts as a change, which is safe).
 */
export function normalizeSql(sql: string): string {
  const hit = normalized.get(sql);
  if (hit !== undefined) {
    // Looked up in the store too: what this run used is what the store keeps.
    if (store !== undefined) store.lookup(sql, () => hit);
    return hit;
  }
  const out =
    store === undefined ? tokenizeNormal(sql) : store.lookup(sql, () => tokenizeNormal(sql));
  if (normalized.size > 10_000) normalized.clear();
  normalized.set(sql, out);
  return out;
}

function tokenizeNormal(sql: string): string {
  try {
    return (tokenizer ??= loadTokenizer())(sql)
      .filter((t) => t.type !== 'LINE_COMMENT' && t.type !== 'BLOCK_COMMENT')
      .map((t) => t.raw)
      .join(' ');
  } catch {
    return sql.trim();
  }
}

/**
 * sql-formatter's tokenizer with its DuckDB settings. The package exports only its formatter,
 * so the tokenizer is loaded from its files (the version is pinned; a test guards it). Keyword
 * lists are left out: only strings, names, comments and operators matter here, and without
 * them it reads a model in a fraction of the time.
 */
function loadTokenizer(): Tokenize {
  const require = createRequire(import.meta.url);
  const base = dirname(require.resolve('sql-formatter'));
  const Tokenizer = (
    require(join(base, 'lexer/Tokenizer.js')) as {
      default: new (
        options: unknown,
        dialect: string,
      ) => {
        tokenize(sql: string, params: object): Token[];
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
  const instance = new Tokenizer(options, 'duckdb');
  return (sql) => instance.tokenize(sql, {});
}

/**
 * Whether SQL ends in a `-- comment` (a line comment as its last token, not `--` inside a
 * string). A text the tokenizer cannot read is taken to (a line break more is harmless).
 */
export function endsInLineComment(sql: string): boolean {
  if (!sql.slice(sql.lastIndexOf('\n') + 1).includes('--')) return false;
  try {
    return (tokenizer ??= loadTokenizer())(sql).at(-1)?.type === 'LINE_COMMENT';
  } catch {
    return true;
  }
}
