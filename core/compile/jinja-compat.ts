import nunjucks from 'nunjucks';

/**
 * Python's methods on values, as dbt's Jinja has them: Nunjucks' own compat layer gives lists
 * and dicts theirs (`.items()`, `.append()`, slices, `True/False/None`); strings get the common
 * ones here (`.upper()`, `.strip()`, `.split()`, `.replace()` of every occurrence, ...).
 * Installed once per process: Nunjucks keeps these hooks globally.
 */
export function installJinjaCompat(): void {
  if (installed) return;
  installed = true;
  nunjucks.installJinjaCompat();
  const runtime = (nunjucks as unknown as { runtime: NunjucksRuntime }).runtime;
  const lookup = runtime.memberLookup;
  runtime.memberLookup = function memberLookup(this: unknown, obj: unknown, val: unknown) {
    // A slice of a string is a string (the compat layer slices it into a list of characters).
    if (arguments.length === 4 && typeof obj === 'string') {
      // eslint-disable-next-line prefer-rest-params -- the original takes a variable arity
      const sliced = lookup.apply(this, arguments as unknown as unknown[]);
      return Array.isArray(sliced) ? sliced.join('') : sliced;
    }
    if (
      typeof obj === 'string' &&
      typeof val === 'string' &&
      arguments.length !== 4 &&
      Object.hasOwn(STRING_MEMBERS, val)
    ) {
      const method = STRING_MEMBERS[val];
      if (method) return (...args: unknown[]) => method(obj, ...args);
    }
    // eslint-disable-next-line prefer-rest-params -- the original takes a variable arity
    return lookup.apply(this, arguments as unknown as unknown[]);
  };
}

let installed = false;

interface NunjucksRuntime {
  memberLookup: (...args: unknown[]) => unknown;
}

const WHITESPACE = /\s+/;

const strip = (s: string, chars: unknown, side: 'both' | 'left' | 'right'): string => {
  if (typeof chars !== 'string') {
    if (side === 'left') return s.trimStart();
    if (side === 'right') return s.trimEnd();
    return s.trim();
  }
  let from = 0;
  let to = s.length;
  if (side !== 'right') while (from < to && chars.includes(s.charAt(from))) from++;
  if (side !== 'left') while (to > from && chars.includes(s.charAt(to - 1))) to--;
  return s.slice(from, to);
};

const STRING_MEMBERS: Record<string, ((s: string, ...args: unknown[]) => unknown) | undefined> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  strip: (s, chars) => strip(s, chars, 'both'),
  lstrip: (s, chars) => strip(s, chars, 'left'),
  rstrip: (s, chars) => strip(s, chars, 'right'),
  title: (s) =>
    s
      .toLowerCase()
      .replace(/(^|[^A-Za-z0-9])([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase()),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  startswith: (s, prefix) => s.startsWith(String(prefix)),
  endswith: (s, suffix) => s.endsWith(String(suffix)),
  replace: (s, from, to) => s.split(String(from)).join(String(to)),
  split: (s, sep) =>
    typeof sep === 'string' ? s.split(sep) : s.trim() === '' ? [] : s.trim().split(WHITESPACE),
  join: (s, items) => (Array.isArray(items) ? items.map(String).join(s) : String(items)),
  count: (s, sub) => s.split(String(sub)).length - 1,
  find: (s, sub) => s.indexOf(String(sub)),
  isdigit: (s) => /^\d+$/.test(s),
  isalpha: (s) => /^[A-Za-z]+$/.test(s),
  format: (s, ...args) => {
    let i = 0;
    return s.replace(/\{(\d*)\}/g, (_m, n: string) => String(args[n === '' ? i++ : Number(n)]));
  },
};
