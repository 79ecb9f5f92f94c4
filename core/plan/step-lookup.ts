import type { PartitionRecord } from '../state/ledger.js';
import type { Step } from './plan.js';
import type { Window } from '../time/window.js';

/** Group windows to build into runs of consecutive windows, at most `size` each. */
export function batch<T extends { window: Window }>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  for (const item of items) {
    const last = current[current.length - 1];
    if (last && (current.length >= size || last.window.end !== item.window.start)) {
      groups.push(current);
      current = [];
    }
    current.push(item);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Steps (sorted by start, non-overlapping) whose span overlaps `span`; binary search. */
export function overlapping(steps: readonly Step[], span: Window): Step[] {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid]!.renderWindow.end <= span.start) lo = mid + 1;
    else hi = mid;
  }
  const out: Step[] = [];
  for (let i = lo; i < steps.length && steps[i]!.renderWindow.start < span.end; i++)
    out.push(steps[i]!);
  return out;
}

/**
 * Looks up records by window start, for starts asked in increasing order: a walk along the
 * records (sorted by start, as the ledger returns them), or a map when they are not sorted.
 */
export function recordFinder(
  records: readonly PartitionRecord[],
): (start: number) => PartitionRecord | undefined {
  const sorted = records.every((r, i) => i === 0 || records[i - 1]!.window.start < r.window.start);
  if (!sorted) {
    const byStart = new Map(records.map((r) => [r.window.start, r]));
    return (start) => byStart.get(start);
  }
  let i = 0;
  return (start) => {
    while (i < records.length && records[i]!.window.start < start) i++;
    const record = records[i];
    return record?.window.start === start ? record : undefined;
  };
}
