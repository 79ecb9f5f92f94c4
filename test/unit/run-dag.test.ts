import { describe, expect, it } from 'vitest';
import { runDag, type DagTask } from '../../core/execute/run-dag.js';
import { backoffMs, withRetries } from '../../core/execute/retry.js';
import { DUCKDB } from '../../core/engine/dialect.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('runDag', () => {
  const tasks: (DagTask & { fail?: boolean })[] = [
    { id: 'a', dependsOn: [] },
    { id: 'b', dependsOn: ['a'], fail: true },
    { id: 'c', dependsOn: ['b'] },
    { id: 'd', dependsOn: ['c'] },
    { id: 'e', dependsOn: ['a'] },
    { id: 'f', dependsOn: [] },
  ];

  it('skips descendants of a failure and runs independent tasks', async () => {
    const ran: string[] = [];
    const skipped: string[] = [];
    const outcome = await runDag(tasks, {
      concurrency: 2,
      run: async (t) => {
        ran.push(t.id);
        await tick();
        return !t.fail;
      },
      onSkip: (t, o) => skipped.push(`${t.id}:${o}`),
    });
    expect(Object.fromEntries(outcome)).toEqual({
      a: 'success',
      b: 'failed',
      c: 'upstream_failed',
      d: 'upstream_failed',
      e: 'success',
      f: 'success',
    });
    expect(ran.sort()).toEqual(['a', 'b', 'e', 'f']);
    expect(skipped.sort()).toEqual(['c:upstream_failed', 'd:upstream_failed']);
  });

  it('never runs more than `concurrency` tasks, and uses them', async () => {
    let now = 0;
    let peak = 0;
    const many = Array.from({ length: 20 }, (_, i) => ({ id: `t${i}`, dependsOn: [] }));
    await runDag(many, {
      concurrency: 3,
      run: async () => {
        now++;
        peak = Math.max(peak, now);
        await tick();
        now--;
        return true;
      },
    });
    expect(peak).toBe(3);
  });

  it('never runs exclusive tasks together', async () => {
    const running = new Set<string>();
    let clash = false;
    const many = Array.from({ length: 12 }, (_, i) => ({
      id: `t${i}`,
      dependsOn: [],
      group: i % 2,
    }));
    await runDag(many, {
      concurrency: 4,
      exclusive: (a, b) => a.group === b.group,
      run: async (t) => {
        if ([...running].some((r) => Number(r.slice(1)) % 2 === t.group)) clash = true;
        running.add(t.id);
        await tick();
        running.delete(t.id);
        return true;
      },
    });
    expect(clash).toBe(false);
  });

  it('fail-fast cancels what has not started', async () => {
    const outcome = await runDag(tasks, {
      concurrency: 1,
      failFast: true,
      run: (t) => Promise.resolve(!t.fail),
    });
    expect(outcome.get('b')).toBe('failed');
    expect(outcome.get('f')).toBe('cancelled');
  });
});

describe('retries', () => {
  it.each([
    ['TransactionContext Error: Conflict on tuple deletion!', true],
    ['TransactionContext Error: Catalog write-write conflict on create with "x"', true],
    ['IO Error: Could not write file "x": No space left on device', true],
    ['Binder Error: Referenced column "nope" not found', false],
    ['Parser Error: syntax error at or near "selec"', false],
    ['Constraint Error: NOT NULL constraint failed: t.x', false],
    ["Conversion Error: Could not convert string 'abc' to INT32", false],
    ['Invalid Input Error: boom on purpose', false],
  ])('%s is transient: %s', (message, expected) => {
    expect(DUCKDB.isTransient(new Error('wrapped', { cause: new Error(message) }))).toBe(expected);
  });

  it('backs off exponentially with jitter, capped', () => {
    const policy = { retries: 5, baseMs: 100, maxMs: 1000 };
    expect(backoffMs({ ...policy, random: () => 1 }, 1)).toBe(100);
    expect(backoffMs({ ...policy, random: () => 1 }, 3)).toBe(400);
    expect(backoffMs({ ...policy, random: () => 1 }, 9)).toBe(1000);
    expect(backoffMs({ ...policy, random: () => 0 }, 3)).toBe(200);
  });

  it('retries transient errors only', async () => {
    const sleeps: number[] = [];
    const policy = {
      retries: 2,
      baseMs: 10,
      maxMs: 100,
      sleep: (ms: number) => (sleeps.push(ms), Promise.resolve()),
      random: () => 1,
    };
    let calls = 0;
    const ok = await withRetries(policy, DUCKDB.isTransient, () => {
      calls++;
      if (calls < 3) throw new Error('TransactionContext Error: Conflict on update');
      return Promise.resolve('done');
    });
    expect(ok).toEqual({ value: 'done', attempts: 3 });
    expect(sleeps).toEqual([10, 20]);
    calls = 0;
    await expect(
      withRetries(policy, DUCKDB.isTransient, () => {
        calls++;
        throw new Error('Binder Error: nope');
      }),
    ).rejects.toMatchObject({ attempts: 1 });
    expect(calls).toBe(1);
  });
});
