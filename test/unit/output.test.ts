import { describe, expect, it } from 'vitest';
import { formatCount, outputStyle, painter, type OutputEnv } from '../../cli/output.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('the colour and cursor decision', () => {
  it.each<[string, { isTTY?: boolean }, OutputEnv, boolean, boolean]>([
    // [what, stream, env, colour expected, cursor movement expected]
    ['a terminal', tty, {}, true, true],
    ['a pipe', pipe, {}, false, false],
    ['a stream without isTTY', {}, {}, false, false],
    ['NO_COLOR=1 on a terminal', tty, { NO_COLOR: '1' }, false, true],
    ['NO_COLOR=0 (any non-empty value)', tty, { NO_COLOR: '0' }, false, true],
    ['NO_COLOR empty: ignored', tty, { NO_COLOR: '' }, true, true],
    ['TERM=dumb on a terminal', tty, { TERM: 'dumb' }, false, false],
    ['TERM=xterm-256color', tty, { TERM: 'xterm-256color' }, true, true],
    ['FORCE_COLOR=1 in a pipe', pipe, { FORCE_COLOR: '1' }, true, false],
    ['FORCE_COLOR=2 in a pipe', pipe, { FORCE_COLOR: '2' }, true, false],
    ['FORCE_COLOR=3 in a pipe', pipe, { FORCE_COLOR: '3' }, true, false],
    ['FORCE_COLOR=true in a pipe', pipe, { FORCE_COLOR: 'true' }, true, false],
    ['FORCE_COLOR=TRUE in a pipe', pipe, { FORCE_COLOR: 'TRUE' }, true, false],
    ['FORCE_COLOR=0 on a terminal', tty, { FORCE_COLOR: '0' }, false, true],
    ['FORCE_COLOR=false on a terminal', tty, { FORCE_COLOR: 'false' }, false, true],
    ['FORCE_COLOR empty: as if unset', pipe, { FORCE_COLOR: '' }, false, false],
    ['FORCE_COLOR=yes (not understood): as if unset', tty, { FORCE_COLOR: 'yes' }, true, true],
    ['FORCE_COLOR=1 wins over NO_COLOR=1', pipe, { FORCE_COLOR: '1', NO_COLOR: '1' }, true, false],
    [
      'FORCE_COLOR=1 colours TERM=dumb, still no cursor',
      tty,
      { FORCE_COLOR: '1', TERM: 'dumb' },
      true,
      false,
    ],
    ['FORCE_COLOR=0 with TERM=dumb', tty, { FORCE_COLOR: '0', TERM: 'dumb' }, false, false],
  ])('%s', (_what, stream, env, color, cursor) => {
    expect(outputStyle(stream, env)).toEqual({ color, cursor });
  });

  it('reads process.env when given no environment', () => {
    const saved = { ...process.env };
    try {
      process.env.FORCE_COLOR = '1';
      expect(outputStyle(pipe).color).toBe(true);
      process.env.FORCE_COLOR = '0';
      expect(outputStyle(tty).color).toBe(false);
    } finally {
      process.env = saved;
    }
  });
});

describe('the painter', () => {
  it('writes escape codes only when enabled', () => {
    expect(painter(false)('red', 'x')).toBe('x');
    expect(painter(true)('red', 'x')).toBe('\u001b[31mx\u001b[0m');
  });
});

describe('formatCount', () => {
  it('writes counts as toLocaleString in en-US does', () => {
    for (const n of [0, 7, 999, 1000, -1000, 12345, 999999, 1000000, -9876543210, 2 ** 53 - 1, 1.5])
      expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
  });
});
