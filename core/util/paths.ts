import { relative, sep } from 'node:path';

/**
 * `path` relative to `base`, as path.relative gives it. A path joined under its base (as a
 * project's files are found: normalized, no `.` or `..`, no empty part) is cut from it,
 * without relative()'s resolving of both: 1,000 models' paths took 3-8 ms of `etl plan` that
 * way. Anything else goes to relative().
 */
export function relativeTo(base: string, path: string): string {
  return path.length > base.length + 1 &&
    path.startsWith(base) &&
    path[base.length] === sep &&
    !base.endsWith(sep) &&
    !path.endsWith(sep) &&
    !path.includes(`${sep}.`) &&
    !path.includes(`${sep}${sep}`) &&
    (sep === '/' || !path.includes('/'))
    ? path.slice(base.length + 1)
    : relative(base, path);
}
