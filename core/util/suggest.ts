import { distance } from 'fastest-levenshtein';

/**
 * Candidates close to `word`, best first: the "did you mean" of unknown keys, refs and flags.
 * A candidate qualifies when its edit distance is small for its length (see below),
 * or when one contains the other.
 */
export function suggest(word: string, candidates: Iterable<string>, limit = 3): string[] {
  const lower = word.toLowerCase();
  const scored: { name: string; score: number }[] = [];
  for (const name of candidates) {
    const other = name.toLowerCase();
    const d = distance(lower, other);
    const longest = Math.max(lower.length, other.length);
    // Two edits (a swapped pair of letters) from four letters on; one below.
    const allowed = longest >= 4 ? Math.max(2, Math.floor(longest / 3)) : 1;
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
