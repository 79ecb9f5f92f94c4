import { ProjectError, type SourceLocation } from '../errors.js';
import type { YamlFile } from '../util/yaml-file.js';
import { isRecord } from './config-check.js';

/** An environment: variable names to values. */
export type Env = Readonly<Record<string, string | undefined>>;

/** `${NAME}`, `${NAME:-default}`, or `$${` (a literal `${`); anything else after `${` is an error. */
const REFERENCE = /\$\$\{|\$\{([^}]*)\}?/g;
const BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/**
 * Replace `${NAME}` and `${NAME:-default}` in every string value of a parsed project file (not
 * in keys) with the environment's values, so that secrets stay out of the file. The default is
 * used when the variable is unset or empty. An unset variable without a default, or a `${...}`
 * that is not a reference, is an error at its line; `$${` writes a literal `${`.
 */
export function interpolateEnv(value: unknown, yaml: YamlFile, env: Env): unknown {
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (typeof v === 'string') return interpolateString(v, env, () => yaml.locate(path), path);
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (isRecord(v))
      return Object.fromEntries(
        Object.entries(v).map(([k, item]) => [k, walk(item, [...path, k])]),
      );
    return v;
  };
  return walk(value, []);
}

/** One string's references replaced; `locate` tells where it is written, for errors. */
export function interpolateString(
  text: string,
  env: Env,
  locate: () => SourceLocation,
  path: readonly (string | number)[] = [],
): string {
  if (!text.includes('${')) return text;
  const where = path.length > 0 ? ` (in ${path.join('.')})` : '';
  return text.replace(REFERENCE, (match, body: string | undefined) => {
    if (match === '$${') return '${';
    const parsed = match.endsWith('}') ? BODY.exec(body ?? '') : null;
    if (parsed === null)
      throw new ProjectError(
        'E_CONFIG',
        `'${match}' is not an environment variable reference${where}: write \${NAME} or \${NAME:-default}`,
        locate(),
        { hint: 'write $${ for a literal ${' },
      );
    const [, name = '', fallback] = parsed;
    const set = env[name];
    if (set !== undefined && set !== '') return set;
    if (fallback !== undefined) return fallback;
    if (set !== undefined) return set;
    throw new ProjectError(
      'E_CONFIG',
      `environment variable ${name} is not set${where}`,
      locate(),
      { hint: `set ${name}, or give a default: \${${name}:-value}` },
    );
  });
}
