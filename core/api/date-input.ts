import { UsageError } from '../errors.js';
import { DAY_MS } from '../time/window.js';
import { SUPPORTED_DAYS, parseDay, supportedDay } from '../time/dates.js';

/**
 * A date as the library takes it: a day `'YYYY-MM-DD'` (or an ISO instant
 * `'YYYY-MM-DDTHH:MM[:SS[.mmm]][Z|±HH:MM]'`, UTC without an offset), a `Date`, or epoch milliseconds. Every
 * date option names a UTC day: an instant stands for the day it falls in.
 *
 * @example
 * ```ts
 * await backfillProject({ from: '2024-01-01', to: new Date('2024-03-31'), target: 'duckdb:wh.duckdb' });
 * ```
 */
export type DateInput = string | Date | number;

const OFFSET_INSTANT =
  /^(\d{4}-\d{2}-\d{2})T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,3})?)?[+-](?:[01]\d|2[0-3]):[0-5]\d$/;
const INSTANT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?Z?$/;

/**
 * Convert a {@link DateInput} to the UTC day it names: the epoch milliseconds of that day's
 * midnight, UTC (the form the CLI's flags parse to). Synchronous: throws a
 * {@link UsageError} naming the option on a value that is not a real date or lies outside
 * the supported days (1900-01-01..2999-12-31).
 *
 * @param value - The date given.
 * @param option - The option's name, for the error (`from`, `date`...).
 * @returns Epoch milliseconds of the day's start, UTC.
 * @example
 * ```ts
 * parseDateInput('2024-01-15', 'date') === Date.UTC(2024, 0, 15); // true
 * ```
 */
export function parseDateInput(value: DateInput, option: string): number {
  const ms = toEpochMs(value);
  if (ms === undefined)
    throw new UsageError(
      `invalid ${option} ${describe(value)}: expected YYYY-MM-DD, a Date or epoch milliseconds`,
      option,
    );
  if (!supportedDay(ms))
    throw new UsageError(
      `${option} ${describe(value)} is outside the supported dates ${SUPPORTED_DAYS}`,
      option,
    );
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** {@link parseDateInput} of an optional option: undefined stays undefined. */
export function parseOptionalDate(
  value: DateInput | undefined,
  option: string,
): number | undefined {
  return value === undefined ? undefined : parseDateInput(value, option);
}

/** Epoch milliseconds of a date given, or undefined when it is not one. */
function toEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isFinite(ms) ? ms : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return parseDay(text, 0);
  const offset = OFFSET_INSTANT.exec(text);
  if (offset?.[1] !== undefined) {
    // An instant with an offset (`2024-01-01T23:30:00+05:00`): the UTC day it falls in.
    if (parseDay(offset[1], 0) === undefined) return undefined;
    const ms = Date.parse(text);
    return Number.isFinite(ms) ? ms : undefined;
  }
  const m = INSTANT.exec(text);
  if (!m || m[1] === undefined) return undefined;
  const day = parseDay(m[1], 0);
  const [h, min, s] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
  if (day === undefined || h > 23 || min > 59 || s > 59) return undefined;
  return day + h * 3_600_000 + min * 60_000 + s * 1000 + Number((m[5] ?? '').padEnd(3, '0'));
}

/** A value as an error message quotes it. */
function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : `Date ${value.toISOString()}`;
  if (typeof value === 'number') return String(value);
  return `(${typeof value})`;
}
