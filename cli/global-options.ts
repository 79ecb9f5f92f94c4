import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { parse } from 'yaml';
import { UsageError } from '../core/errors.js';
import { parseDay, SUPPORTED_DAYS, supportedDay } from '../core/time/dates.js';
import type { ProjectOptions } from '../core/api/open-project.js';
import { findProjectRoot } from '../core/project/find-project.js';

/** Flags every command accepts. */
export interface GlobalFlags {
  projectDir?: string;
  project?: string;
  target?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  vars?: string;
}

/** Project warnings printed already: a command that opens the project twice says each once. */
const warned = new Set<string>();

/** The library options from the global flags; project warnings go to stderr (not with --quiet). */
export function projectOptions(flags: GlobalFlags): ProjectOptions {
  return {
    ...projectDir(flags),
    ...(flags.target === undefined ? {} : { target: flags.target }),
    vars: parseVars(flags.vars),
    onWarning: (message) => {
      if (flags.quiet === true || warned.has(message)) return;
      warned.add(message);
      process.stderr.write(`warning: ${message}\n`);
    },
  };
}

/**
 * `--project-dir` (dbt's name) or `--project`: the same flag; given both, they must agree.
 * Without either, the library searches upward from the working folder.
 */
function projectDir(flags: GlobalFlags): { project?: string } {
  const { projectDir: dir, project } = flags;
  if (dir !== undefined && project !== undefined && resolve(dir) !== resolve(project))
    throw new UsageError(
      `--project-dir '${dir}' and --project '${project}' name different folders`,
      '--project-dir',
      'give one of them: --project is another name for --project-dir',
    );
  const given = dir ?? project;
  return given === undefined ? {} : { project: given };
}

/**
 * The folder an error's `file` is relative to (to quote its line): the project's root as the
 * library finds it, else the working folder.
 */
export function messageRoot(flags: GlobalFlags): string {
  try {
    const { project } = projectDir(flags);
    return findProjectRoot(project === undefined ? {} : { dir: project });
  } catch {
    return process.cwd();
  }
}

/** `--vars '{k: 1}'`: a YAML (or JSON) mapping, as dbt takes it. */
export function parseVars(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    // Loaded here, not with the CLI: `etl --help` and `--version` need no YAML.
    const yaml = createRequire(import.meta.url)('yaml') as { parse: typeof parse };
    value = yaml.parse(text);
  } catch (error) {
    throw new UsageError(
      `--vars must be a YAML mapping: ${(error as Error).message.split('\n')[0] ?? ''}`,
      '--vars',
      `e.g. --vars '{country: NL, days: 7}'`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(
      '--vars must be a YAML mapping of names to values',
      '--vars',
      `e.g. --vars '{country: NL, days: 7}'`,
    );
  return value as Record<string, unknown>;
}

/** `--date` and friends: `YYYY-MM-DD`, `today` or `yesterday`. */
export function parseDateFlag(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const day = parseDay(text);
  if (day === undefined)
    throw new UsageError(
      `invalid ${flag} '${text}': expected a real date YYYY-MM-DD, 'today' or 'yesterday'`,
      flag,
    );
  if (!supportedDay(day))
    throw new UsageError(
      `${flag} '${text}' is outside the supported dates ${SUPPORTED_DAYS} (README: Dates)`,
      flag,
    );
  return day;
}

/** Collect repeated or space-separated selectors. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A whole number flag within bounds; undefined when absent. */
export function intFlag(
  value: string | undefined,
  flag: string,
  min: number,
  max = 1_000_000,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new UsageError(
      `invalid ${flag} '${value}': expected a whole number from ${min} to ${max}`,
      flag,
    );
  return Number(value);
}
