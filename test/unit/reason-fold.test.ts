import { describe, expect, it } from 'vitest';
import { foldReasons } from '../../core/plan/reason-fold.js';
import { dayWindow } from '../../core/time/window.js';

const day = (d: number) => dayWindow(Date.UTC(2024, 0, d));

describe('foldReasons', () => {
  it('folds reasons that differ only in the windows they name into their span', () => {
    const folded = foldReasons([
      { reason: 'upstream orders 2024-01-02 changed', windows: [day(2)] },
      { reason: 'seed raw_orders changed', windows: [day(9)] },
      { reason: 'upstream orders 2024-01-01 changed', windows: [day(1)] },
      { reason: 'upstream orders 2024-01-03..2024-01-05 changed', windows: [day(3)] },
    ]);
    expect(folded).toEqual([
      {
        reason: 'upstream orders 2024-01-01..2024-01-05 changed',
        windows: [day(1), day(2), day(3)],
      },
      { reason: 'seed raw_orders changed', windows: [day(9)] },
    ]);
  });

  it('keeps apart reasons of other upstreams, other wordings and other shapes', () => {
    const folded = foldReasons([
      { reason: 'upstream orders 2024-01-01 changed', windows: [day(1)] },
      { reason: 'upstream items 2024-01-01 changed', windows: [day(1)] },
      { reason: 'upstream orders 2024-01-02 were missing', windows: [day(2)] },
      { reason: 'upstream orders 2024-01-03, 2024-01-05 changed', windows: [day(5)] },
    ]);
    expect(folded.map((f) => f.reason)).toEqual([
      'upstream orders 2024-01-01 changed',
      'upstream items 2024-01-01 changed',
      'upstream orders 2024-01-02 were missing',
      'upstream orders 2024-01-03, 2024-01-05 changed',
    ]);
  });

  it('orders weeks, hours and months by their dates', () => {
    const folded = foldReasons([
      { reason: 'upstream w week of 2024-01-15 changed', windows: [day(20)] },
      { reason: 'upstream w week of 2024-01-08 changed', windows: [day(10)] },
      { reason: 'upstream h 2024-01-02 05:00..2024-01-02 07:00 changed', windows: [day(2)] },
      { reason: 'upstream h 2024-01-01 23:00 changed', windows: [day(1)] },
    ]);
    expect(folded.map((f) => f.reason)).toEqual([
      'upstream w week of 2024-01-08..week of 2024-01-15 changed',
      'upstream h 2024-01-01 23:00..2024-01-02 07:00 changed',
    ]);
  });
});
