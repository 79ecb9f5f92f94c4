import type { Window } from '../time/window.js';

/** A run of consecutive windows in one state, as `--json` prints it (DESIGN §6). */
export interface WindowRangeJson {
  /** Start of the first window, ISO-8601 UTC. */
  readonly from: string;
  /** End of the last window (exclusive), ISO-8601 UTC. */
  readonly to: string;
  readonly state: string;
  readonly count: number;
}

/**
 * Windows (in time order) as runs of consecutive ones: the half-open span `[from, to)` of
 * `count` windows each, so that a long list of windows prints as a few ranges.
 */
export function windowRanges(windows: Iterable<Window>, state: string): WindowRangeJson[] {
  const runs: { from: number; to: number; count: number }[] = [];
  for (const w of windows) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.to === w.start) {
      last.to = w.end;
      last.count++;
    } else runs.push({ from: w.start, to: w.end, count: 1 });
  }
  return runs.map((r) => ({
    from: new Date(r.from).toISOString(),
    to: new Date(r.to).toISOString(),
    state,
    count: r.count,
  }));
}
