import type { Window } from '../time/window.js';

/** A window label inside a reason: a day, an hour, a month, a week, or a range of them. */
const LABEL =
  /(?:week of )?\d{4}-\d{2}(?:-\d{2}(?: \d{2}:\d{2})?)?(?:\.\.(?:week of )?\d{4}-\d{2}(?:-\d{2}(?: \d{2}:\d{2})?)?)?/g;

/**
 * Reasons that differ only in the windows they name (`upstream orders 2024-01-01 changed`,
 * `upstream orders 2024-01-02 changed`...) folded into one, naming the span of those windows
 * (`upstream orders 2024-01-01..2024-01-02 changed`), so that a day-by-day cascade reads as
 * one line. The windows of folded reasons are merged, in time order; reasons keep their order
 * of first appearance.
 */
export function foldReasons(
  groups: readonly { readonly reason: string; readonly windows: readonly Window[] }[],
): { reason: string; windows: Window[] }[] {
  const folded = new Map<string, { reasons: Set<string>; labels: string[][]; windows: Window[] }>();
  for (const g of groups) {
    const labels = [...g.reason.matchAll(LABEL)].map((m) => m[0]);
    const template = g.reason.replace(LABEL, '{window}');
    const entry = folded.get(template) ?? { reasons: new Set(), labels: [], windows: [] };
    entry.reasons.add(g.reason);
    entry.labels.push(labels);
    entry.windows.push(...g.windows);
    folded.set(template, entry);
  }
  return [...folded].map(([template, e]) => {
    const windows = e.windows.sort((a, b) => a.start - b.start);
    if (e.reasons.size === 1) return { reason: [...e.reasons][0]!, windows };
    let slot = 0;
    const reason = template.replace(/\{window\}/g, () => {
      const at = slot++;
      const ends = e.labels.flatMap((l) => (l[at] === undefined ? [] : l[at].split('..')));
      ends.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
      const first = ends[0]!;
      const last = ends[ends.length - 1]!;
      return first === last ? first : `${first}..${last}`;
    });
    return { reason, windows };
  });
}

/** A label's sort key: its date, without the `week of ` prefix. */
function key(label: string): string {
  return label.replace('week of ', '');
}
