/** The time grains of incremental models. Weeks start on Monday; every window is UTC. */
export const GRAINS = ['hour', 'day', 'week', 'month'] as const;
export type Grain = (typeof GRAINS)[number];

/** A half-open UTC interval `[start, end)` in epoch milliseconds. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The start of the window of `grain` that contains instant `ms`. */
export function floorToGrain(ms: number, grain: Grain): number {
  switch (grain) {
    case 'hour':
      return Math.floor(ms / HOUR) * HOUR;
    case 'day':
      return Math.floor(ms / DAY) * DAY;
    case 'week': {
      const day = Math.floor(ms / DAY) * DAY;
      const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
      return day - weekday * DAY;
    }
    case 'month': {
      const d = new Date(ms);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
  }
}

/** `ms` moved by `n` windows of `grain` (n may be negative). `ms` must be a window start. */
export function addGrain(ms: number, grain: Grain, n: number): number {
  switch (grain) {
    case 'hour':
      return ms + n * HOUR;
    case 'day':
      return ms + n * DAY;
    case 'week':
      return ms + n * 7 * DAY;
    case 'month': {
      const d = new Date(ms);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
    }
  }
}

/** The window of `grain` containing instant `ms`. */
export function windowContaining(ms: number, grain: Grain): Window {
  const start = floorToGrain(ms, grain);
  return { start, end: addGrain(start, grain, 1) };
}

/**
 * Every window of `grain` that overlaps the half-open interval `[from, to)`, in time order.
 */
export function windowsOverlapping(from: number, to: number, grain: Grain): Window[] {
  const windows: Window[] = [];
  for (let start = floorToGrain(from, grain); start < to;) {
    const end = addGrain(start, grain, 1);
    windows.push({ start, end });
    start = end;
  }
  return windows;
}

/**
 * The windows `build --date day` writes: those overlapping the day (24 for `hour`, the day,
 * or the week or month containing it), preceded by `lookback` earlier windows.
 */
export function windowsForDay(day: number, grain: Grain, lookback = 0): Window[] {
  const own = windowsOverlapping(day, day + DAY, grain);
  const first = own[0];
  if (lookback <= 0 || first === undefined) return own;
  const earlier = windowsOverlapping(addGrain(first.start, grain, -lookback), first.start, grain);
  return [...earlier, ...own];
}

/**
 * How many windows of `grain` start in `[from, to)` for a `from` on the grain, counted without
 * listing them (a century of hours is 876,600 windows).
 */
export function countWindows(from: number, to: number, grain: Grain): number {
  if (to <= from) return 0;
  if (grain === 'month') {
    const a = new Date(from);
    const b = new Date(to - 1);
    return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth() + 1;
  }
  const span = grain === 'hour' ? HOUR : grain === 'day' ? DAY : 7 * DAY;
  return Math.ceil((to - from) / span);
}

/** Every window of `grain` overlapping the days `fromDay..toDay` (inclusive). */
export function windowsBetween(fromDay: number, toDay: number, grain: Grain): Window[] {
  return windowsOverlapping(fromDay, toDay + DAY, grain);
}

/** The window covering `[first.start, last.end)` of consecutive windows. */
export function mergeWindows(windows: readonly Window[]): Window {
  const first = windows[0];
  const last = windows[windows.length - 1];
  if (first === undefined || last === undefined) throw new Error('mergeWindows of no windows');
  return { start: first.start, end: last.end };
}

/** `2024-01-15 10:00:00` (UTC). */
export function formatTimestamp(ms: number): string {
  const day = Math.floor(ms / DAY);
  const rest = Math.floor((ms - day * DAY) / 1000);
  return `${formatDay(day * DAY)} ${pad2(Math.floor(rest / 3600))}:${pad2(Math.floor(rest / 60) % 60)}:${pad2(rest % 60)}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

// Planning a year of hourly windows formats each day 24 times: remember the last days seen.
const dayText = new Map<number, string>();

/** `2024-01-15` (UTC). */
export function formatDay(ms: number): string {
  const day = Math.floor(ms / DAY);
  let text = dayText.get(day);
  if (text === undefined) {
    if (dayText.size >= 4096) dayText.clear();
    text = new Date(day * DAY).toISOString().slice(0, 10);
    dayText.set(day, text);
  }
  return text;
}

/** A short label of a window: `2024-01-15`, `2024-01-15 10:00`, `2024-W03 (2024-01-15)`, `2024-01`. */
export function windowLabel(window: Window, grain?: Grain): string {
  const g = grain ?? inferGrain(window);
  switch (g) {
    case 'hour':
      return formatTimestamp(window.start).slice(0, 16);
    case 'day':
      return formatDay(window.start);
    case 'week':
      return `week of ${formatDay(window.start)}`;
    case 'month':
      return formatDay(window.start).slice(0, 7);
    default:
      return `[${formatTimestamp(window.start)}, ${formatTimestamp(window.end)})`;
  }
}

function inferGrain(window: Window): Grain | undefined {
  const span = window.end - window.start;
  if (span === HOUR) return 'hour';
  if (span === DAY) return 'day';
  if (span === 7 * DAY && floorToGrain(window.start, 'week') === window.start) return 'week';
  if (addGrain(floorToGrain(window.start, 'month'), 'month', 1) === window.end) return 'month';
  return undefined;
}

/** Milliseconds in a day. */
export const DAY_MS = DAY;

/** The day window starting at `day`. */
export function dayWindow(day: number): Window {
  return { start: day, end: day + DAY };
}
