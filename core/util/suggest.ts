import { distance } from 'fastest-levenshtein';

/**
 * Candidates close to `word`, best first: the "did you mean" of unknown keys, refs and flags.
 * A candidate qualifies when its edit distance is at most a third of the longer word (min 1),
 * or when one contains the other.
 */
export function suggest(word: string, candidates: Iterable<string>, limit = 3): string[] {
  const lower = word.toLowerCase();
  const scored: { name: string; score: number }[] = [];
  for (const name of candidates) {
    const other = name.toLowerCase();
    const d = distance(lower, other);
    const allowed = Math.max(1, Math.floor(Math.max(lower.length, other.length) / 3));
    if (d <= allowed) scored.push({ name, score: d });
    else if (lower.length >= 3 && (other.includes(lower) || lower.includes(other)))
      scored.push({ name, score: allowed + 1 });
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, limit).map((s) => s.name);
}

/** " (did you mean 'x'?)" or "". */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const [best] = suggest(word, candidates, 1);
  return best === undefined ? '' : ` (did you mean '${best}'?)`;
}
