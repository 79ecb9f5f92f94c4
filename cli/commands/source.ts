import {
  freshnessExitCode,
  sourceFreshness,
  type SourceFreshness,
} from '../../core/api/source-freshness.js';
import { projectOptions, type GlobalFlags } from '../global-options.js';
import { painter, useColor } from '../output.js';

interface FreshnessFlags extends GlobalFlags {
  select?: string[];
}

/** `etl source freshness [-s raw.orders]`: exit 1 when a source is past its error_after. */
export async function sourceFreshnessCommand(flags: FreshnessFlags): Promise<number> {
  const results = await sourceFreshness({ ...projectOptions(flags), select: flags.select ?? [] });
  if (flags.json) {
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    process.stdout.write(
      `${JSON.stringify({
        schema_version: 1,
        sources: results.map((r) => ({
          source: r.source,
          status: r.status,
          max_loaded_at: iso(r.maxLoadedAt),
          age_seconds: r.age === undefined ? null : Math.round(r.age / 1000),
          warn_after_seconds: r.warnAfter === undefined ? null : r.warnAfter / 1000,
          error_after_seconds: r.errorAfter === undefined ? null : r.errorAfter / 1000,
          ...(r.error === undefined ? {} : { error: r.error }),
        })),
      })}\n`,
    );
  } else if (!flags.quiet) {
    const paint = painter(useColor(process.stdout));
    if (results.length === 0)
      process.stdout.write(
        'no source has a freshness rule (freshness: and loaded_at_field: in a schema file)\n',
      );
    for (const r of results) process.stdout.write(`${line(r, paint)}\n`);
  }
  return freshnessExitCode(results);
}

function line(r: SourceFreshness, paint: ReturnType<typeof painter>): string {
  const label = {
    pass: paint('green', 'PASS '),
    warn: paint('yellow', 'WARN '),
    error: paint('red', 'ERROR'),
    runtime_error: paint('red', 'ERROR'),
  }[r.status];
  const rule = [
    r.warnAfter === undefined ? undefined : `warn after ${span(r.warnAfter)}`,
    r.errorAfter === undefined ? undefined : `error after ${span(r.errorAfter)}`,
  ]
    .filter((x) => x !== undefined)
    .join(', ');
  const what =
    r.age === undefined
      ? (r.error ?? '')
      : `newest row ${new Date(r.maxLoadedAt ?? 0).toISOString()}, ${span(r.age)} old`;
  return `${label} ${r.source}  ${what}${rule === '' ? '' : `  (${rule})`}`;
}

/** A duration in the largest whole-ish unit: `3 h 20 min`, `2 d 4 h`, `45 s`. */
function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}
