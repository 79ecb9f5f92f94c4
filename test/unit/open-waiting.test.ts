import { afterEach, describe, expect, it, vi } from 'vitest';
import { openWaiting } from '../../core/api/run-command.js';
import { WarehouseInUseError } from '../../core/errors.js';

afterEach(() => {
  vi.useRealTimers();
});

/** An open that fails while another process holds the warehouse, until `freeAt` ms. */
function heldUntil(freeAt: number) {
  const started = Date.now();
  const tries: number[] = [];
  const open = () => {
    tries.push(Date.now() - started);
    if (Date.now() - started < freeAt)
      return Promise.reject(new WarehouseInUseError('warehouse.duckdb', 42));
    return Promise.resolve('engine');
  };
  return { open, tries };
}

describe('--wait', () => {
  it('lasts the time given: a lock freed at 2.4 s is taken within --wait 3', async () => {
    vi.useFakeTimers();
    const { open, tries } = heldUntil(2_400);
    const opened = openWaiting(open, 3_000);
    await vi.runAllTimersAsync();
    await expect(opened).resolves.toBe('engine');
    expect(tries.at(-1)).toBeLessThanOrEqual(3_000);
  });

  it('tries a last time at the deadline, then gives up with the holder named', async () => {
    vi.useFakeTimers();
    const { open, tries } = heldUntil(10_000);
    const opened = openWaiting(open, 3_000);
    const failed = expect(opened).rejects.toThrow(/warehouse in use by another process \(pid 42\)/);
    await vi.runAllTimersAsync();
    await failed;
    expect(tries.at(-1)).toBe(3_000);
  });
});
