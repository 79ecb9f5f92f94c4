import type { EtlError } from '../core/errors.js';
import { ProjectErrors, type SourceLocation } from '../core/errors.js';
import { redactSecrets } from '../core/engine/target.js';

/** The environment variables that decide how etl writes to a terminal. */
export interface OutputEnv {
  readonly NO_COLOR?: string | undefined;
  readonly FORCE_COLOR?: string | undefined;
  readonly TERM?: string | undefined;
}

/** What a stream takes: colour codes, and cursor movement (the live progress line). */
export interface OutputStyle {
  readonly color: boolean;
  readonly cursor: boolean;
}

/**
 * The one place that decides colour and escape codes for a stream. `FORCE_COLOR` 1, 2, 3 or
 * true colours even in a pipe and 0 or false never does (as Node and supports-color, it
 * overrides `NO_COLOR`); otherwise a non-empty `NO_COLOR` or `TERM=dumb` means no colour,
 * and a terminal gets colour. Cursor movement needs a terminal that is not `TERM=dumb`;
 * `FORCE_COLOR` never forces it, so a forced pipe still gets one plain line per step.
 */
export function outputStyle(
  stream: { readonly isTTY?: boolean },
  env: OutputEnv = process.env,
): OutputStyle {
  const tty = stream.isTTY === true;
  const dumb = env.TERM === 'dumb';
  const force = forceColor(env.FORCE_COLOR);
  const color = force ?? (tty && !dumb && (env.NO_COLOR ?? '') === '');
  return { color, cursor: tty && !dumb };
}

/** FORCE_COLOR as a decision: true, false, or undefined when unset or not understood. */
function forceColor(value: string | undefined): boolean | undefined {
  const v = value?.trim().toLowerCase();
  if (v === '1' || v === '2' || v === '3' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  return undefined;
}

/** Whether to colour a stream (see {@link outputStyle}). */
export function useColor(stream: { readonly isTTY?: boolean }): boolean {
  return outputStyle(stream).color;
}

/** Whether a stream takes a live line redrawn in place (see {@link outputStyle}). */
export function useCursor(stream: { readonly isTTY?: boolean }): boolean {
  return outputStyle(stream).cursor;
}

/** Back to the start of the line and erase it: only where {@link useCursor} says so. */
export const ERASE_LINE = '\r\u001b[2K';

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1, cyan: 36 } as const;

/** A painter that colours only when enabled. */
export function painter(enabled: boolean) {
  return (color: keyof typeof CODES, text: string): string =>
    enabled ? `\u001b[${CODES[color]}m${text}\u001b[0m` : text;
}

/**
 * An error as the user reads it: `error[CODE]: message`, then `  --> file:line:col` with the
 * offending line, and a hint.
 */
export function formatError(
  error: EtlError,
  color: boolean,
  textOf: (file: string) => string | undefined,
): string {
  const paint = painter(color);
  const list = error instanceof ProjectErrors ? error.errors : [error];
  const blocks = list.map((e) => {
    const lines = [`${paint('red', `error[${e.code}]`)}: ${paint('bold', e.message)}`];
    if (e.location) lines.push(...excerpt(e.location, textOf, paint));
    if (e.hint) lines.push(`  ${paint('cyan', 'help')}: ${e.hint}`);
    return lines.join('\n');
  });
  if (list.length > 1)
    blocks.push(`${paint('red', 'error')}: ${list.length} problems found; nothing was run`);
  return blocks.join('\n\n');
}

function excerpt(
  at: SourceLocation,
  textOf: (file: string) => string | undefined,
  paint: ReturnType<typeof painter>,
): string[] {
  const where = [at.file, at.line, at.line === undefined ? undefined : at.column]
    .filter((p) => p !== undefined)
    .join(':');
  const out = [`  ${paint('blue', '-->')} ${where}`];
  if (at.line === undefined) return out;
  const src = textOf(at.file)?.split('\n')[at.line - 1];
  if (src === undefined) return out;
  const gutter = String(at.line);
  const pad = ' '.repeat(gutter.length);
  out.push(`${pad} ${paint('blue', '|')}`);
  out.push(
    `${paint('blue', gutter)} ${paint('blue', '|')} ${redactSecrets(src).replace(/\t/g, ' ')}`,
  );
  if (at.column !== undefined)
    out.push(
      `${pad} ${paint('blue', '|')} ${' '.repeat(Math.max(0, at.column - 1))}${paint('red', '^')}`,
    );
  return out;
}

/** The `--json` error object of DESIGN §6. */
export function errorJson(error: EtlError): Record<string, unknown> {
  const list = error instanceof ProjectErrors ? error.errors : [error];
  const one = (e: EtlError) => ({
    code: e.code,
    message: e.message,
    file: e.location?.file ?? null,
    line: e.location?.line ?? null,
    column: e.location?.column ?? null,
    hint: e.hint ?? null,
  });
  return {
    status: 'error',
    error: { ...one(list[0] ?? error), ...(list.length > 1 ? { errors: list.map(one) } : {}) },
  };
}

/** `1,234` */
export function formatCount(n: number): string {
  // Not toLocaleString: its first call loads ICU's locale data, 10-20 ms of a small command.
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `45 ms`, `1.2 s`, `2m 05s` */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}
