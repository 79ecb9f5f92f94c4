import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { format } from 'sql-formatter';
import { layoutLineage, type LineageLayout, type LineageNode } from '../docs/lineage-layout.js';
import { sha256 } from '../util/hash.js';
import { writeJsonAtomic } from './artifacts.js';

/** What the last build kept, in {@link ARTIFACTS_DIR}: reused while it still applies. */
export const DOCS_CACHE = 'docs-cache.json';

/**
 * The slow parts of a build kept for the next one: the lineage's layout (seconds for 1,000
 * models) keyed by the graph (nodes, labels, edges), and the formatted compiled SQL (about a
 * millisecond a model) keyed by the SQL. Most rebuilds (a description edited, a run
 * finished, a `--serve` rebuild) change neither. A cache that cannot be read or written is
 * passed over.
 */
export class DocsCache {
  private layoutKey: string | undefined;
  private layout: LineageLayout | undefined;
  private readonly sql = new Map<string, string>();
  private readonly used = new Map<string, string>();
  private changed = false;

  constructor(private readonly file: string) {
    try {
      const kept = JSON.parse(readFileSync(file, 'utf8')) as {
        version?: unknown;
        layout?: { key?: unknown; value?: unknown };
        sql?: Record<string, unknown>;
      };
      if (kept.version !== CACHE_VERSION) return;
      if (typeof kept.layout?.key === 'string') {
        this.layoutKey = kept.layout.key;
        this.layout = kept.layout.value as LineageLayout;
      }
      for (const [k, v] of Object.entries(kept.sql ?? {}))
        if (typeof v === 'string') this.sql.set(k, v);
    } catch {
      // None yet, or not readable: everything is worked out.
    }
  }

  /** The lineage laid out, or as laid out before for the same graph. */
  lineage(nodes: readonly LineageNode[], edges: readonly RoutedEdgeInput[]): LineageLayout {
    const key = sha256(JSON.stringify([nodes, edges]));
    if (this.layoutKey === key && this.layout !== undefined) return this.layout;
    this.layoutKey = key;
    this.layout = layoutLineage(nodes, edges);
    this.changed = true;
    return this.layout;
  }

  /** SQL formatted as `etl compile` prints it, or as formatted before. */
  pretty(sql: string, language: 'duckdb' | 'postgresql'): string {
    const key = sha256(language, sql);
    let out = this.sql.get(key);
    if (out === undefined) {
      out = pretty(sql, language);
      this.changed = true;
    }
    this.used.set(key, out);
    return out;
  }

  /** Keep what this build used (only that), when anything was worked out anew. */
  save(): void {
    if (!this.changed && this.used.size === this.sql.size) return;
    try {
      writeJsonAtomic(dirname(this.file), basename(this.file), {
        version: CACHE_VERSION,
        layout: { key: this.layoutKey, value: this.layout },
        sql: Object.fromEntries(this.used),
      });
    } catch {
      // A read-only project folder: the next build works it out again.
    }
  }
}

type RoutedEdgeInput = { readonly from: string; readonly to: string };

/** Bumped when the layout or the formatting of the same input changes (the cache is stale). */
const CACHE_VERSION = 1;

/** SQL formatted as `etl compile` prints it (as rendered when the formatter cannot). */
function pretty(sql: string, language: 'duckdb' | 'postgresql'): string {
  try {
    return format(sql, { language, keywordCase: 'preserve' });
  } catch {
    return sql;
  }
}
