/** `key=` followed by a literal: a quoted string or a boolean, then `,` or `)`. */
const LITERAL_ARG =
  /\b([A-Za-z_]\w*)\s*=\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|true|false|True|False)\s*(?=[,)])/g;

/**
 * The literal keyword arguments of a model's `config(...)` calls, read from its text without
 * rendering it (later calls win), as dbt's static parser does. etl decides which models exist
 * (`enabled`) before rendering any; a value computed at render time cannot be read here.
 * A call inside an `{% if %}` counts as if it always ran.
 */
export function literalConfig(text: string): Record<string, string | boolean> {
  const found: Record<string, string | boolean> = {};
  for (const call of text.matchAll(/\bconfig\s*\(/g)) {
    const args = callArguments(text, (call.index ?? 0) + call[0].length);
    for (const m of args.matchAll(LITERAL_ARG)) {
      const [, key, raw] = m as unknown as [string, string, string];
      found[key] = /^(true|false)$/i.test(raw) ? raw.toLowerCase() === 'true' : raw.slice(1, -1);
    }
  }
  return found;
}

/** The text of a call's arguments from `from` (just after its `(`) to its closing `)`. */
function callArguments(text: string, from: number): string {
  let depth = 1;
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (quote !== undefined) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return text.slice(from, i + 1);
    }
  }
  return text.slice(from);
}
