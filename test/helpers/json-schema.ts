import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { expect } from 'vitest';

/** The JSON Schema files of every `--json` output and artifact. */
export const SCHEMAS = fileURLToPath(new URL('../../schemas/', import.meta.url));

// ajv-formats is CommonJS: its function is the module itself, and also its `default`.
const addFormats = ((formats as unknown as { default?: typeof formats }).default ??
  formats) as unknown as (ajv: Ajv2020) => void;

export const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);

const validators = new Map<string, ValidateFunction>();
export function validator(name: string): ValidateFunction {
  let v = validators.get(name);
  if (v === undefined) {
    const schema = JSON.parse(readFileSync(join(SCHEMAS, `${name}.schema.json`), 'utf8')) as object;
    v = ajv.compile(schema);
    validators.set(name, v);
  }
  return v;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/**
 * Keys that hold a time wherever they are; not under `args` (the days given, as given) nor
 * `accept` (whose `from` lists fingerprints).
 */
const TIME_KEY = /(^|_)at$|^(from|to|start|end)$/;

/** Every time-named value in `value` that is not an ISO-8601 UTC time (or null). */
export function badTimes(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => badTimes(v, `${path}/${i}`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => {
    if (key === 'args' || key === 'accept') return [];
    const here = `${path}/${key}`;
    if (TIME_KEY.test(key) && v !== null && !(typeof v === 'string' && ISO_UTC.test(v)))
      return [`${here}: ${JSON.stringify(v)}`];
    return badTimes(v, here);
  });
}

/** `data` matches the named schema, and every time in it is ISO-8601 UTC. */
export function expectShape(name: string, data: unknown): void {
  const validate = validator(name);
  const ok = validate(data);
  expect(ok, `${name}: ${ajv.errorsText(validate.errors, { separator: '\n' })}`).toBe(true);
  expect(badTimes(data), name).toEqual([]);
}
