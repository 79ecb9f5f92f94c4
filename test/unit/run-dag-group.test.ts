import { describe, expect, it } from 'vitest';
import { runDag, type DagTask } from '../../core/execute/run-dag.js';
import { BatchSizer, MAX_WINDOWS, TARGET_MS } from '../../core/execute/adaptive-batch.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

/** Tasks `m1..mN` of one "model" after a root, and `x`, which joins nothing. */
function tasks(n: number): (DagTask & { model: string })[] {
  const out: (DagTask & { model: string })[] = [{ id: 'root', dependsOn: [], model: 'r' }];
  for (let i = 1; i <= n; i++) out.push({ id: `m${i}`, dependsOn: ['root'], model: 'm' });
  out.push({ id: 'x', dependsOn: [], model: 'x' });
  return out;
}

describe('runDag groups', () => {
  it('runs ready tasks that join together, in order, up to the limit; the rest alone', async () => {
    const groups: string[][] = [];
    const alone: string[] = [];
    const outcome = await runDag(tasks(10), {
      concurrency: 1,
      run: async (t) => {
        alone.push(t.id);
        await tick();
        return true;
      },
      group: {
        limit: (t) => (t.model === 'm' ? 4 : 0),
        joins: (a, b) => a.model === b.model,
        run: async (ts) => {
          groups.push(ts.map((t) => t.id));
          await tick();
          return new Map(ts.map((t) => [t.id, true as const]));
        },
      },
    });
    expect([...outcome.values()].every((o) => o === 'success')).toBe(true);
    expect(outcome.size).toBe(12);
    expect(groups).toEqual([
      ['m1', 'm2', 'm3', 'm4'],
      ['m5', 'm6', 'm7', 'm8'],
      ['m9', 'm10'],
    ]);
    expect(alone.sort()).toEqual(['root', 'x']);
  });

  it('takes only tasks that are ready, and settles each by its own outcome', async () => {
    // m3 waits on m2: it cannot be in a group with it.
    const list = tasks(4).map((t) => (t.id === 'm3' ? { ...t, dependsOn: ['m2'] } : t));
    const groups: string[][] = [];
    const skipped: string[] = [];
    const outcome = await runDag(list, {
      concurrency: 2,
      run: () => Promise.resolve(true),
      group: {
        limit: (t) => (t.model === 'm' ? 10 : 0),
        joins: (a, b) => a.model === b.model,
        run: async (ts) => {
          groups.push(ts.map((t) => t.id));
          await tick();
          return new Map(ts.map((t) => [t.id, t.id !== 'm2']));
        },
      },
      onSkip: (t, o) => skipped.push(`${t.id}:${o}`),
    });
    expect(groups[0]).toEqual(['m1', 'm2']);
    expect(outcome.get('m2')).toBe('failed');
    expect(outcome.get('m3')).toBe('upstream_failed');
    expect(outcome.get('m4')).toBe('success');
    expect(skipped).toEqual(['m3:upstream_failed']);
    expect(groups.flat().filter((id) => id === 'm4')).toHaveLength(1);
  });

  it('runs a task put off (later) again alone', async () => {
    const seen: string[] = [];
    let first = true;
    const outcome = await runDag(tasks(3), {
      concurrency: 1,
      run: (t, _w, again) => {
        seen.push(`${t.id}${again ? ' again' : ''}`);
        return Promise.resolve(true);
      },
      group: {
        limit: (t) => (t.model === 'm' ? 3 : 0),
        joins: (a, b) => a.model === b.model,
        run: (ts) => {
          seen.push(ts.map((t) => t.id).join('+'));
          const later = first;
          first = false;
          return Promise.resolve(new Map(ts.map((t) => [t.id, later ? ('later' as const) : true])));
        },
      },
    });
    expect(seen).toEqual(['root', 'm1+m2+m3', 'x', 'm1 again', 'm2 again', 'm3 again']);
    expect([...outcome.values()].every((o) => o === 'success')).toBe(true);
  });
});

describe('BatchSizer', () => {
  it('starts at one window, grows at most 4x a write, and fits the target time', () => {
    const s = new BatchSizer();
    expect(s.limit('m')).toBe(1);
    // Cheap windows: 1 window in 5 ms; then 4, 16, ... until the target binds.
    s.wrote('m', 1, 5);
    expect(s.limit('m')).toBe(4);
    s.wrote('m', 4, 6);
    expect(s.limit('m')).toBe(16);
    let size = 16;
    for (let i = 0; i < 10; i++) {
      s.wrote('m', size, 5 + size * 0.01);
      size = s.limit('m');
    }
    expect(size).toBe(MAX_WINDOWS);
    // Heavy windows: one takes longer than the target: one at a time.
    s.wrote('h', 1, TARGET_MS * 3);
    expect(s.limit('h')).toBe(1);
    // 100 ms a window: 5 fit.
    s.wrote('k', 4, 400);
    expect(s.limit('k')).toBe(5);
    s.failed('m');
    expect(s.limit('m')).toBe(1);
  });
});
