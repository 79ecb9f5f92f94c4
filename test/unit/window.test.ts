import { describe, expect, it } from 'vitest';
import {
  addGrain,
  floorToGrain,
  windowContaining,
  windowLabel,
  windowsBetween,
  windowsForDay,
  type Grain,
} from '../../core/time/window.js';
import { parseDay, parseInstant } from '../../core/time/dates.js';

const t = (s: string): number => Date.parse(`${s}Z`);
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 16);

describe('window grains', () => {
  it.each<[Grain, string, string, string]>([
    ['hour', '2024-01-15T10:37', '2024-01-15T10:00', '2024-01-15T11:00'],
    ['hour', '2024-01-15T23:59', '2024-01-15T23:00', '2024-01-16T00:00'],
    ['day', '2024-01-15T10:37', '2024-01-15T00:00', '2024-01-16T00:00'],
    ['day', '2024-02-29T00:00', '2024-02-29T00:00', '2024-03-01T00:00'],
    ['week', '2024-01-15T10:00', '2024-01-15T00:00', '2024-01-22T00:00'], // a Monday
    ['week', '2024-01-21T23:00', '2024-01-15T00:00', '2024-01-22T00:00'], // a Sunday
    ['week', '2024-01-01T00:00', '2024-01-01T00:00', '2024-01-08T00:00'],
    ['week', '2023-12-31T12:00', '2023-12-25T00:00', '2024-01-01T00:00'], // across a year
    ['month', '2024-01-31T23:00', '2024-01-01T00:00', '2024-02-01T00:00'],
    ['month', '2024-02-15T00:00', '2024-02-01T00:00', '2024-03-01T00:00'],
    ['month', '2024-12-02T00:00', '2024-12-01T00:00', '2025-01-01T00:00'],
  ])('%s window containing %s is [%s, %s)', (grain, at, start, end) => {
    const w = windowContaining(t(at), grain);
    expect([iso(w.start), iso(w.end)]).toEqual([start, end]);
  });

  it.each<[Grain, string, number, string]>([
    ['hour', '2024-01-15T00:00', -1, '2024-01-14T23:00'],
    ['day', '2024-03-01T00:00', -1, '2024-02-29T00:00'],
    ['week', '2024-01-01T00:00', 2, '2024-01-15T00:00'],
    ['month', '2024-01-01T00:00', 13, '2025-02-01T00:00'],
    ['month', '2024-03-01T00:00', -3, '2023-12-01T00:00'],
  ])('addGrain(%s, %s, %i) = %s', (grain, from, n, expected) => {
    expect(iso(addGrain(t(from), grain, n))).toBe(expected);
  });

  it('floors are idempotent for every grain', () => {
    for (const grain of ['hour', 'day', 'week', 'month'] as const) {
      const f = floorToGrain(t('2024-05-17T13:45'), grain);
      expect(floorToGrain(f, grain)).toBe(f);
    }
  });
});

describe('windows of a build date', () => {
  it.each<[Grain, number, number, string, string]>([
    ['hour', 0, 24, '2024-01-15T00:00', '2024-01-15T23:00'],
    ['hour', 2, 26, '2024-01-14T22:00', '2024-01-15T23:00'],
    ['day', 0, 1, '2024-01-15T00:00', '2024-01-15T00:00'],
    ['day', 1, 2, '2024-01-14T00:00', '2024-01-15T00:00'],
    ['week', 0, 1, '2024-01-15T00:00', '2024-01-15T00:00'],
    ['week', 1, 2, '2024-01-08T00:00', '2024-01-15T00:00'],
    ['month', 0, 1, '2024-01-01T00:00', '2024-01-01T00:00'],
    ['month', 1, 2, '2023-12-01T00:00', '2024-01-01T00:00'],
  ])('%s with lookback %i: %i windows from %s to %s', (grain, lookback, count, first, last) => {
    const ws = windowsForDay(t('2024-01-15T00:00'), grain, lookback);
    expect(ws).toHaveLength(count);
    expect(iso(ws[0]!.start)).toBe(first);
    expect(iso(ws[ws.length - 1]!.start)).toBe(last);
    for (let i = 1; i < ws.length; i++) expect(ws[i]!.start).toBe(ws[i - 1]!.end); // contiguous
  });

  it('windowsBetween covers whole days inclusively', () => {
    expect(windowsBetween(t('2024-01-01T00:00'), t('2024-03-31T00:00'), 'day')).toHaveLength(91);
    expect(windowsBetween(t('2024-01-01T00:00'), t('2024-01-01T00:00'), 'hour')).toHaveLength(24);
    expect(windowsBetween(t('2024-01-31T00:00'), t('2024-02-01T00:00'), 'month')).toHaveLength(2);
    expect(windowsBetween(t('2024-01-01T00:00'), t('2024-03-31T00:00'), 'week')).toHaveLength(13);
  });

  it('labels windows by grain', () => {
    expect(windowLabel(windowContaining(t('2024-01-15T10:30'), 'hour'))).toBe('2024-01-15 10:00');
    expect(windowLabel(windowContaining(t('2024-01-15T10:30'), 'day'))).toBe('2024-01-15');
    expect(windowLabel(windowContaining(t('2024-01-17T10:30'), 'week'))).toBe('week of 2024-01-15');
    expect(windowLabel(windowContaining(t('2024-01-17T10:30'), 'month'))).toBe('2024-01');
  });
});

describe('dates', () => {
  const now = t('2024-01-16T05:00');
  it.each([
    ['2024-01-15', '2024-01-15T00:00'],
    ['2024-02-29', '2024-02-29T00:00'],
    ['today', '2024-01-16T00:00'],
    ['yesterday', '2024-01-15T00:00'],
  ])('parses %s', (text, expected) => {
    expect(iso(parseDay(text, now)!)).toBe(expected);
  });

  it.each(['2024-13-01', '2023-02-29', '2024-01-32', '2024-1-5', '15/01/2024', '', 'tomorrow'])(
    'rejects %s',
    (text) => {
      expect(parseDay(text, now)).toBeUndefined();
    },
  );

  it('parses config starts with a time', () => {
    expect(iso(parseInstant('2024-01-15 10:00')!)).toBe('2024-01-15T10:00');
    expect(parseInstant('2024-01-15 25:00')).toBeUndefined();
  });
});
