import { describe, expect, it } from 'vitest';
import { formatError, errorJson } from '../../cli/output.js';
import { ProjectError, ProjectErrors, UsageError } from '../../core/errors.js';

const text = (file: string) =>
  file === 'models/m.sql' ? 'select 1\nfrom {{ ref("x") }}\n' : undefined;

describe('error messages', () => {
  const error = new ProjectError(
    'E_TEMPLATE',
    "'x' is undefined",
    { file: 'models/m.sql', line: 2, column: 6 },
    { hint: 'define it' },
  );

  it('read error[CODE]: message, the location, the offending line and a caret', () => {
    expect(formatError(error, false, text)).toBe(
      [
        "error[E_TEMPLATE]: 'x' is undefined",
        '  --> models/m.sql:2:6',
        '  |',
        '2 | from {{ ref("x") }}',
        '  |      ^',
        '  help: define it',
      ].join('\n'),
    );
  });

  it('are coloured only when asked (a TTY without NO_COLOR)', () => {
    expect(formatError(error, false, text)).not.toContain('\u001b[');
    expect(formatError(error, true, text)).toContain('\u001b[31m');
  });

  it('list every problem and count them', () => {
    const many = new ProjectErrors([
      error,
      new ProjectError('E_CONFIG', 'bad', { file: 'etl.yml', line: 1 }),
    ]);
    const out = formatError(many, false, text);
    expect(out).toContain("error[E_TEMPLATE]: 'x' is undefined");
    expect(out).toContain('error[E_CONFIG]: bad\n  --> etl.yml:1');
    expect(out.endsWith('error: 2 problems found; nothing was run')).toBe(true);
  });

  it('as JSON carry code, message, file and line', () => {
    expect(errorJson(error)).toEqual({
      status: 'error',
      error: {
        code: 'E_TEMPLATE',
        message: "'x' is undefined",
        file: 'models/m.sql',
        line: 2,
        column: 6,
        hint: 'define it',
      },
    });
    expect(errorJson(new UsageError('invalid --date', '--date'))).toMatchObject({
      error: { code: 'E_USAGE', file: null, line: null },
    });
  });
});
