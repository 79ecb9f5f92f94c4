import { DAY_MS } from './window.js';

/**
 * The days etl accepts, 1900-01-01 to 2999-12-31: wider than any business calendar, narrow
 * enough that a typo (`9999-12-31`, `0024-01-01`) is caught as bad input before it commits
 * windows no one meant or makes `status` walk ten thousand years. The engines go further
 * (DuckDB and PostgreSQL to year 294,000), JavaScript dates to 275,760.
 */
export const FIRST_DAY = Date.UTC(1900, 0, 1);
export const LAST_DAY = Date.UTC(2999, 11, 31);
export const SUPPORTED_DAYS = '1900-01-01..2999-12-31';

/** Whether a day or instant (epoch ms) lies in the supported range. */
export function supportedDay(ms: number): boolean {
  return ms >= FIRST_DAY && ms < LAST_DAY + DAY_MS;
}

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
  // Date.UTC reads years 0-99 as 1900-1999: set the year apart.
  const d = new Date(Date.UTC(2000, month - 1, day));
  d.setUTCFullYear(year, month - 1, day);
  const ms = d.getTime();
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
