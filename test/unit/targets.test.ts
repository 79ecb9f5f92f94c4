import { describe, expect, it } from 'vitest';
import { chooseTarget, isMissingFile, parseTarget, redact } from '../../core/engine/target.js';
import { parseProjectConfig } from '../../core/project/parse-config.js';
import { resolveTarget } from '../../core/api/open-project.js';
import { targetInfo } from '../../core/compile/compile-project.js';
import { EtlError } from '../../core/errors.js';
import type { Project } from '../../core/project/project.js';

const ETL_YML = `name: shop
targets:
  dev: "duckdb:dev.duckdb"
  prod: "postgres://etl@db/wh?schema=analytics"
target: dev
`;

const project = (text: string, env: Record<string, string> = {}): Project => ({
  root: '/proj',
  configFile: 'etl.yml',
  config: parseProjectConfig(text, 'etl.yml', '/proj', 'proj', env),
  models: [],
  seeds: [],
  schemaFiles: [],
  testFiles: [],
  warnings: [],
});

/** `file:line: message`, or the hint with it when asked. */
const failure = (f: () => unknown, withHint = false): string => {
  try {
    f();
  } catch (error) {
    if (!(error instanceof EtlError)) throw error;
    const at = error.location;
    const where = at === undefined ? '' : `${at.file}:${at.line ?? ''}: `;
    return `${where}${error.message}${withHint ? ` | ${error.hint ?? ''}` : ''}`;
  }
  throw new Error('expected an error');
};

describe('named targets', () => {
  const p = project(ETL_YML);

  it.each([
    ['etl.yml names dev', {}, 'dev', 'duckdb', '/proj/dev.duckdb'],
    ['--target prod', { target: 'prod' }, 'prod', 'postgres', undefined],
    ['ETL_TARGET prod', { env: { ETL_TARGET: 'prod' } }, 'prod', 'postgres', undefined],
    [
      '--target beats ETL_TARGET',
      { target: 'dev', env: { ETL_TARGET: 'prod' } },
      'dev',
      'duckdb',
      '/proj/dev.duckdb',
    ],
    ['a URL', { target: 'duckdb:other.duckdb' }, 'default', 'duckdb', '/proj/other.duckdb'],
    [
      'a URL in ETL_TARGET',
      { env: { ETL_TARGET: 'duckdb::memory:' } },
      'default',
      'duckdb',
      ':memory:',
    ],
  ] as const)('%s', (_what, options, name, kind, path) => {
    const target = resolveTarget(p, { env: {}, ...options });
    expect(target.kind).toBe(kind);
    expect(targetInfo(target).name).toBe(name);
    if (path !== undefined) expect(target).toMatchObject({ path });
    if (kind === 'postgres') expect(target).toMatchObject({ schema: 'analytics' });
  });

  it('defaults to duckdb:warehouse.duckdb named default without target or targets', () => {
    const target = resolveTarget(project(''), { env: {} });
    expect(target).toMatchObject({ kind: 'duckdb', path: '/proj/warehouse.duckdb' });
    expect(targetInfo(target)).toEqual({ name: 'default', type: 'duckdb', schema: 'main' });
  });

  it('refuses an unknown name with a did-you-mean and the names', () => {
    expect(failure(() => resolveTarget(p, { env: {}, target: 'prd' }), true)).toBe(
      "unknown target 'prd' (--target): did you mean 'prod'? | etl.yml's targets are: dev, prod; or give a URL (duckdb:PATH, postgres://...)",
    );
    expect(failure(() => resolveTarget(p, { env: { ETL_TARGET: 'staging' } }))).toBe(
      "unknown target 'staging' (ETL_TARGET)",
    );
    expect(failure(() => chooseTarget('dev', {}, '/proj'), true)).toMatch(
      /unknown target 'dev' \(target\) \| etl.yml defines no targets/,
    );
  });

  it("checks etl.yml's target and targets at their lines", () => {
    expect(failure(() => project('targets:\n  dev: "duckdb:a.duckdb"\ntarget: deev\n'))).toBe(
      "etl.yml:3: unknown target 'deev' (target in etl.yml): did you mean 'dev'?",
    );
    expect(failure(() => project('targets:\n  dev: "mysql://x"\n'))).toMatch(
      /^etl.yml:2: bad target 'dev' 'mysql:\/\/x'/,
    );
    expect(failure(() => project('targets:\n  dev: 3\n'))).toMatch(
      /^etl.yml:2: target 'dev' must be a URL string/,
    );
    expect(failure(() => project('targets:\n  "my target": "duckdb:a.duckdb"\n'))).toMatch(
      /^etl.yml:2: target name 'my target' must be/,
    );
  });
});

describe('${ENV_VAR} in etl.yml', () => {
  const text = `targets:
  prod: "postgres://etl:\${PGPASS}@db/wh"
  dev: "duckdb:\${DEV_DB:-dev.duckdb}"
vars:
  country: \${COUNTRY:-NL}
  literal: "$\${NOT_A_VAR}"
`;

  it('reads set variables and uses defaults for unset or empty ones', () => {
    const { config } = project(text, { PGPASS: 's3cret', COUNTRY: '' });
    expect(config.targets).toEqual({
      prod: 'postgres://etl:s3cret@db/wh',
      dev: 'duckdb:dev.duckdb',
    });
    expect(config.vars).toEqual({ country: 'NL', literal: '${NOT_A_VAR}' });
    expect(project(text, { PGPASS: 'x', DEV_DB: 'd2.duckdb', COUNTRY: 'BE' }).config).toMatchObject(
      { targets: { dev: 'duckdb:d2.duckdb' }, vars: { country: 'BE' } },
    );
  });

  it('refuses an unset variable without a default, naming it and its line', () => {
    expect(failure(() => project(text, {}), true)).toBe(
      'etl.yml:2: environment variable PGPASS is not set (in targets.prod) | set PGPASS, or give a default: ${PGPASS:-value}',
    );
  });

  it('refuses what is not a reference', () => {
    expect(failure(() => project('vars:\n  a: 1\n  b: "${ NAME }"\n'))).toMatch(
      /^etl.yml:3: '\$\{ NAME \}' is not an environment variable reference \(in vars.b\)/,
    );
    expect(failure(() => project('name: "${NAME"\n'))).toMatch(/^etl.yml:1: '\$\{NAME"?'/);
  });

  it('never puts a secret into a message', () => {
    const message = failure(() =>
      project('targets:\n  p: "${URL}"\n', { URL: 'mysql://u:pw@h/db' }),
    );
    expect(message).toMatch(/^etl.yml:2: bad target 'p'/);
    expect(message).not.toContain('pw');
  });
});

describe('URLs passed through', () => {
  it('gives duckdb:md:DB to DuckDB as is, not as a local file', () => {
    const target = parseTarget('duckdb:md:my_db', '/proj');
    expect(target).toEqual({ kind: 'duckdb', path: 'md:my_db', url: 'duckdb:md:my_db' });
    expect(isMissingFile(target)).toBe(false);
    expect(parseTarget('duckdb:data/w.duckdb', '/proj')).toMatchObject({
      path: '/proj/data/w.duckdb',
    });
    expect(isMissingFile(parseTarget('duckdb:data/w.duckdb', '/nowhere'))).toBe(true);
    expect(redact('duckdb:md:my_db?motherduck_token=abc&x=1')).toBe(
      'duckdb:md:my_db?motherduck_token=***&x=1',
    );
  });
});
