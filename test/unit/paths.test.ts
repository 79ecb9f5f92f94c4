import { join, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { relativeTo } from '../../core/util/paths.js';

/** relativeTo cuts a path from its base where it can: it must say what path.relative says. */
describe('relativeTo', () => {
  const segment = fc.oneof(
    fc.constantFrom('.', '..', '', '/', '//', 'models', '.hidden', 'a.sql', 'a b', 'é'),
    fc.stringMatching(/^[a-z._-]{1,5}$/),
  );
  const segments = fc.array(segment, { maxLength: 5 });
  const base = fc.tuple(fc.constantFrom('/', '/tmp/p', '/tmp/p/', '/a/../b', 'rel/dir'), segments);

  it('gives what path.relative gives where paths are not normalized', () => {
    // Found by the property below: a doubled or trailing separator.
    for (const [b, p] of [
      ['/_', '/_//'],
      ['/a', '/a/b/'],
      ['/a', '/a//b'],
      ['/a', '/a/./b'],
      ['/a', '/a/b/../c'],
      ['/a//b', '/a//b/c'],
    ] as const)
      expect(relativeTo(b, p)).toBe(relative(b, p));
  });

  it('gives what path.relative gives, for paths joined under the base and any others', () => {
    fc.assert(
      fc.property(base, segments, fc.string({ maxLength: 12 }), ([root, dirs], under, other) => {
        const b = join(root, ...dirs);
        for (const b2 of [b, `${b}/`, root])
          for (const p of [join(b, ...under), join(b2, ...under), `${b2}${other}`, other])
            expect(relativeTo(b2, p)).toBe(relative(b2, p));
      }),
      { numRuns: 20_000 },
    );
  });
});
