import { DAY_MS } from './window.js';

/**
 * Parse a day given on the command line or in config: `YYYY-MM-DD`, `today` or `yesterday`
 * (UTC). Returns the day's start in epoch ms, or undefined when it is not a real date.
 */
export function parseDay(text: string, now: number = Date.now()): number | undefined {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  if (text === 'today') return today;
  if (text === 'yesterday') return today - DAY_MS;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day);
  const d = new Date(ms);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day)
    return undefined;
  return ms;
}

/**
 * Parse a config `start`: a day `YYYY-MM-DD` or an instant `YYYY-MM-DD HH:MM[:SS]` (UTC).
 */
export function parseInstant(text: string): number | undefined {
  const day = parseDay(text, 0);
  if (day !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(text)) return day;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?Z?$/.exec(text);
  if (!m || m[1] === undefined) return undefined;
  const base = parseDay(m[1], 0);
  const [h, min, s] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
  if (base === undefined || h > 23 || min > 59 || s > 59) return undefined;
  return base + h * 3_600_000 + min * 60_000 + s * 1000;
}
