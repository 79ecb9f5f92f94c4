import { ProjectError, type SourceLocation } from '../errors.js';

/** An error raised by one of etl's template functions (ref, source, var, config). */
export class TemplateCallError extends Error {
  /** Text to look for in the template to locate the call when Nunjucks gives no line. */
  readonly needle: string | undefined;
  constructor(message: string, needle?: string) {
    super(message);
    this.name = 'TemplateCallError';
    this.needle = needle;
  }
}

/** A failure inside a project macro, raised where the macro was called. */
export class MacroError extends Error {
  readonly file: string;
  readonly macro: string;
  constructor(file: string, macro: string, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'MacroError';
    this.file = file;
    this.macro = macro;
  }
}

const HEADER = /^\s*\((.*?)\)(?: \[Line (\d+)(?:, Column (\d+))?\])?\s*$/;
const WRAPPED = /^(\w*Error): ([\s\S]*)$/;

/**
 * Turn a Nunjucks error into a ProjectError at `file:line:col`, 1-based. Nunjucks prefixes one
 * `(path) [Line, Column]` header per template level (innermost last); it reports parse errors
 * and undefined output 1-based, but errors thrown by functions 0-based (and without a line at
 * all on the first line): both are normalised here.
 */
export function toTemplateError(
  error: unknown,
  file: string,
  textOf: (file: string) => string | undefined,
  prelude = 0,
): ProjectError {
  const inMacro = error instanceof Error ? findMacroError(error) : undefined;
  if (inMacro) return macroFailure(inMacro, toCallSite(error, file, textOf, prelude), textOf);
  return toCallSite(error, file, textOf, prelude);
}

/**
 * A macro's failure at the macro's file and line (where Nunjucks gives none, the failing call
 * found in the macro's text, else the macro's first line), naming the template that called it.
 */
function macroFailure(
  error: MacroError,
  caller: ProjectError,
  textOf: (file: string) => string | undefined,
): ProjectError {
  const inner = toTemplateError(error.cause, error.file, textOf);
  let { line, column } = inner.location ?? {};
  if (line === undefined) {
    const text = textOf(error.file);
    const def =
      text === undefined ? undefined : new RegExp(`macro\\s+${error.macro}\\s*\\(`).exec(text);
    if (text !== undefined && def) ({ line, column } = offsetToLineCol(text, def.index));
  }
  const at = caller.location;
  const from =
    at?.file === undefined
      ? ''
      : `, called from ${at.file}${at.line === undefined ? '' : `:${at.line}`}`;
  return new ProjectError(
    'E_TEMPLATE',
    `${inner.message} (in macro ${error.macro}${from})`,
    { file: error.file, line, column },
    { cause: error },
  );
}

function findMacroError(error: Error): MacroError | undefined {
  let e: unknown = error;
  for (let i = 0; i < 5 && e instanceof Error; i++) {
    if (e instanceof MacroError) return e;
    e = e.cause;
  }
  return undefined;
}

function toCallSite(
  error: unknown,
  file: string,
  textOf: (file: string) => string | undefined,
  prelude: number,
): ProjectError {
  const raw = error instanceof Error ? error.message : String(error);
  const lines = raw.split('\n');
  let at = file;
  let line: number | undefined;
  let column: number | undefined;
  while (lines.length > 1) {
    // A template that imports (the macros) wraps its errors once more.
    const m = HEADER.exec((lines[0] ?? '').replace(/^\s*Template render error:/, ''));
    if (!m) break;
    lines.shift();
    if (m[1] && m[1] !== 'unknown path') at = m[1];
    if (m[2] !== undefined) {
      line = Number(m[2]);
      column = m[3] === undefined ? undefined : Number(m[3]);
    }
  }
  let message = lines.join('\n').trim();
  const wrapped = WRAPPED.exec(message);
  if (wrapped) {
    if (wrapped[1] === 'Error' || wrapped[1] === 'TemplateCallError' || wrapped[1] === 'MacroError')
      message = wrapped[2] ?? '';
    if (line !== undefined) line += 1;
    if (column !== undefined) column += 1;
  }
  message = message.replace(/^Template render error:\s*/, '');
  const text = textOf(at);
  if (line === undefined && text !== undefined) {
    const needle =
      (error instanceof Error ? findCause(error)?.needle : undefined) ??
      /Unable to call `([^`]+)`/.exec(message)?.[1]?.concat('(');
    const found =
      needle === undefined
        ? undefined
        : (locateText(text, needle) ?? locateText(text, needle.replaceAll("'", '"')));
    if (found) ({ line, column } = found);
  }
  // An include that is not there: the include naming it.
  const missing = /template not found: (.+)$/.exec(message)?.[1];
  // (Nunjucks gives its line 0-based and the column of another token: the name is searched.)
  if (text !== undefined && missing !== undefined) {
    const found = locateText(text, missing.trim());
    if (found) ({ line, column } = found);
  }
  // A block left open at the end of the file: the tag that opened it.
  if (line === undefined && text !== undefined && /end of file/i.test(message)) {
    const open = unclosedBlock(text);
    if (open) {
      ({ line, column } = offsetToLineCol(text, open.offset));
      message = `{% ${open.tag} %} is never closed (no {% end${open.tag} %} before the end of the file)`;
    }
  }
  // The macro imports sit before the first line of a model's text.
  if (line === 1 && column !== undefined && at === file && column > prelude) column -= prelude;
  if (message === 'attempted to output null or undefined value' && text !== undefined && line) {
    const expr = expressionAt(text, line, column ?? 1);
    if (expr) message = `'${expr}' is undefined`;
  }
  const location: SourceLocation = { file: at, line, column };
  return new ProjectError('E_TEMPLATE', message, location, { cause: error });
}

function findCause(error: Error): TemplateCallError | undefined {
  let e: unknown = error;
  for (let i = 0; i < 5 && e instanceof Error; i++) {
    if (e instanceof TemplateCallError) return e;
    e = e.cause;
  }
  return undefined;
}

/** 1-based line and column of the first occurrence of `needle` in `text`. */
export function locateText(
  text: string,
  needle: string,
): { line: number; column: number } | undefined {
  const index = text.indexOf(needle);
  if (index < 0) return undefined;
  return offsetToLineCol(text, index);
}

/** 1-based line and column of a character offset. */
export function offsetToLineCol(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  const column = index - before.lastIndexOf('\n');
  return { line, column };
}

function expressionAt(text: string, line: number, column: number): string | undefined {
  const src = text.split('\n')[line - 1];
  if (src === undefined) return undefined;
  const open = src.lastIndexOf('{{', column + 1);
  if (open < 0) return undefined;
  const close = src.indexOf('}}', open);
  const expr = src.slice(open + 2, close < 0 ? undefined : close).trim();
  return expr === '' ? undefined : expr;
}

const BLOCKS = new Set([
  'if',
  'for',
  'macro',
  'block',
  'call',
  'filter',
  'raw',
  'asyncEach',
  'asyncAll',
]);

/** The innermost block tag of `text` left open at its end, with its offset. */
function unclosedBlock(text: string): { tag: string; offset: number } | undefined {
  const stack: { tag: string; offset: number }[] = [];
  for (const m of text.matchAll(/\{%-?\s*(\w+)([^%]*)%\}/g)) {
    const tag = m[1] ?? '';
    if (BLOCKS.has(tag) || (tag === 'set' && !(m[2] ?? '').includes('=')))
      stack.push({ tag, offset: m.index });
    else if (tag.startsWith('end')) {
      const at = stack.map((s) => s.tag).lastIndexOf(tag.slice(3));
      if (at >= 0) stack.length = at;
    }
  }
  return stack.at(-1);
}
