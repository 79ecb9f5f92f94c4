import { addGrain, type Grain } from '../../core/time/window.js';

/** One model of `etl status --json`, as printed: counts and ranges of windows. */
export interface StatusModelJson {
  name: string;
  materialized: string;
  grain: Grain;
  counts: Record<'done' | 'partial' | 'stale' | 'failed' | 'missing' | 'forward_only', number>;
  ranges: {
    from: string;
    to: string;
    state: 'done' | 'partial' | 'stale' | 'failed' | 'missing';
    count: number;
    reason?: string;
    forward_only?: boolean;
  }[];
  refreshing?: number;
}

/** A model of `etl status --json` with its ranges expanded into window starts, for tests. */
export interface StatusModel extends StatusModelJson {
  done: string[];
  partial: string[];
  stale: string[];
  failed: string[];
  missing: string[];
  /** Window start (ISO) to reason, for stale and partial windows. */
  reasons: Record<string, string>;
  forward_only: string[];
}

/** Parse `etl status --json` output and expand each model's ranges (small spans only). */
export function readStatus(stdout: string): { models: StatusModel[] } {
  const parsed = JSON.parse(stdout) as { models: StatusModelJson[] };
  return {
    models: parsed.models.map((m) => {
      const out: StatusModel = {
        ...m,
        done: [],
        partial: [],
        stale: [],
        failed: [],
        missing: [],
        reasons: {},
        forward_only: [],
      };
      for (const r of m.ranges) {
        let total = 0;
        for (let s = Date.parse(r.from); s < Date.parse(r.to); s = addGrain(s, m.grain, 1)) {
          const iso = new Date(s).toISOString();
          out[r.state].push(iso);
          if (r.reason !== undefined) out.reasons[iso] = r.reason;
          if (r.forward_only) out.forward_only.push(iso);
          total++;
        }
        if (total !== r.count) throw new Error(`range ${JSON.stringify(r)} holds ${total} windows`);
      }
      return out;
    }),
  };
}
