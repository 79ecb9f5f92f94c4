import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname } from 'node:path';
import type { NormalizedSqlStore } from '../compile/fingerprint.js';
import { writeJsonAtomic } from './artifacts.js';

/** The file in ARTIFACTS_DIR (.etl/) of {@link NormalizedSqlFile}. */
export const NORMALIZED_SQL_FILE = 'normalized-sql.json';

/** Bumped when fingerprint.ts normalizes the same tokens differently. */
const FORM = 1;

/**
 * The normalized SQL of fingerprints (fingerprint.ts) kept in a file of .etl/, by the SQL's
 * hash: a warm compile of 1,000 models neither loads sql-formatter's tokenizer nor runs it.
 * The file names the tokenizer it came from (sql-formatter's version and {@link FORM}); one of
 * another is passed over, as is one that cannot be read. Each save keeps what the compile
 * used, only that; a project folder that cannot be written is left alone.
 */
export class NormalizedSqlFile implements NormalizedSqlStore {
  private kept = new Map<string, string>();
  private used = new Map<string, string>();
  private changed = false;

  constructor(private readonly file: string) {
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as {
        tokenizer?: unknown;
        sql?: Record<string, unknown>;
      };
      if (data.tokenizer !== tokenizerId()) return;
      for (const [k, v] of Object.entries(data.sql ?? {}))
        if (typeof v === 'string') this.kept.set(k, v);
    } catch {
      // None yet, or not readable: everything is tokenized.
    }
  }

  lookup(sql: string, normalize: () => string): string {
    const key = createHash('sha256').update(sql).digest('hex').slice(0, 32);
    let out = this.used.get(key) ?? this.kept.get(key);
    if (out === undefined) {
      out = normalize();
      this.changed = true;
    }
    this.used.set(key, out);
    return out;
  }

  /** Write what was used when it differs from what was read; start over from it. */
  save(): void {
    if (this.changed || this.used.size !== this.kept.size)
      try {
        writeJsonAtomic(dirname(this.file), basename(this.file), {
          tokenizer: tokenizerId(),
          sql: Object.fromEntries(this.used),
        });
      } catch {
        // A read-only project folder: the next compile tokenizes again.
      }
    this.kept = this.used;
    this.used = new Map();
    this.changed = false;
  }
}

let id: string | undefined;

/** `sql-formatter <version>/<FORM>`: what made the normalized SQL. */
function tokenizerId(): string {
  id ??= `sql-formatter ${
    (createRequire(import.meta.url)('sql-formatter/package.json') as { version: string }).version
  }/${FORM}`;
  return id;
}
