/**
 * Most models are SQL with a few `{{ ... }}` holes: `ref('x')`, `config(...)`, `{{ start }}`,
 * `var('k', 1)`, comments. Nunjucks turns every template into JavaScript through a lexer, a
 * parser, a transformer and a compiler, which is most of what compiling 1,000 of them costs.
 * A plain template is read here in one pass and rendered by walking its parts; anything else
 * (tags, filters, operators, macros, escapes in strings) is left to Nunjucks.
 *
 * The contract is that a plain template renders exactly as Nunjucks renders the same text, with
 * etl's environment (autoescape off, undefined output an error): same output, same calls of
 * the context's functions with the same arguments. Whatever the reader is not sure of, it
 * declines. When a render would not give a value Nunjucks would print (a name the context does
 * not have, a call that throws or returns nothing), the template is rendered by Nunjucks
 * instead, which gives its own result or error, with its line and column; the calls made
 * before that are made again, so only functions that are safe to call twice are called here
 * (`log()` is left to Nunjucks). The differential test (test/unit/plain-template.test.ts)
 * holds both to this over generated templates.
 */

/** What renders a model's or a test's SQL: a Nunjucks `Template` or a {@link PlainTemplate}. */
export interface SqlTemplate {
  render(context: Record<string, unknown>): string;
}

/** `True`, `False`, `None`: Jinja's, when the context has no such name. */
class Constant {
  constructor(
    readonly name: string,
    readonly value: boolean | null,
  ) {}
}

type Value = string | number | boolean | null | Constant | readonly Value[];

type Expr =
  | { readonly kind: 'literal'; readonly value: Value }
  /** `name` or `name.member...`. */
  | { readonly kind: 'lookup'; readonly path: readonly string[] }
  | {
      readonly kind: 'call';
      readonly name: string;
      readonly args: readonly Expr[];
      readonly kwargs: readonly (readonly [string, Expr])[];
    };

type Part = string | Expr;

/** The context's functions a plain template may call: pure, or safe to call again. */
const CALLABLE = new Set([
  'ref',
  'source',
  'var',
  'config',
  'is_incremental',
  'literal',
  'env_var',
]);

/** What Nunjucks' Jinja compatibility serves as methods of any object (never its own keys). */
const OBJECT_METHODS = new Set([
  'items',
  'values',
  'keys',
  'get',
  'has_key',
  'pop',
  'popitem',
  'setdefault',
  'update',
  'iteritems',
  'itervalues',
  'iterkeys',
]);

const CONSTANTS: Readonly<Record<string, boolean | null>> = {
  True: true,
  False: false,
  None: null,
};

/** Thrown inside a render to hand it to Nunjucks (made once: it never leaves render()). */
const DECLINE = new Error('the plain render hands this template to Nunjucks');

/** A template of text and `{{ }}` holes, rendered without Nunjucks (see the file's comment). */
export class PlainTemplate implements SqlTemplate {
  private full: SqlTemplate | undefined;

  constructor(
    private readonly parts: readonly Part[],
    /** The same text as a Nunjucks template, made when a render needs it. */
    private readonly nunjucks: () => SqlTemplate,
  ) {}

  render(context: Record<string, unknown>): string {
    let out = '';
    try {
      for (const part of this.parts) {
        if (typeof part === 'string') {
          out += part;
          continue;
        }
        const value = evaluate(part, context);
        if (value === undefined || value === null) throw DECLINE;
        out += value as string;
      }
    } catch {
      this.full ??= this.nunjucks();
      return this.full.render(context);
    }
    return out;
  }
}

/**
 * The parts of `text` when it is a plain template: text with comments dropped and whitespace
 * control applied, and the expressions of its holes. Undefined when it is not one.
 */
export function parsePlain(text: string): Part[] | undefined {
  const parts: Part[] = [];
  let at = 0;
  let trimStart = false;
  while (at <= text.length) {
    const tag = nextTag(text, at);
    if (tag === null) return undefined;
    let data = text.slice(at, tag ?? text.length);
    // Nunjucks' lexer fails on a comment end outside a comment.
    if (data.includes('#}')) return undefined;
    if (trimStart) data = data.replace(/^\s*/, '');
    if (tag !== undefined && text.charAt(tag + 2) === '-') data = data.replace(/\s*$/, '');
    if (data !== '') parts.push(data);
    if (tag === undefined) break;
    if (text.charAt(tag + 1) === '#') {
      const end = text.indexOf('#}', tag + 2);
      if (end < 0) return undefined;
      // As Nunjucks reads `-#}`: the character before the end of the whole comment token.
      trimStart = text.charAt(end - 1) === '-';
      at = end + 2;
      continue;
    }
    const reader = new HoleReader(text, text.charAt(tag + 2) === '-' ? tag + 3 : tag + 2);
    const hole = reader.hole();
    if (hole === undefined) return undefined;
    parts.push(hole.expr);
    trimStart = hole.trim;
    at = hole.end;
  }
  return parts;
}

/**
 * Where the next `{{` or `{#` starts at or after `from`: undefined when there is none, null at a
 * `{%` (a tag: not plain).
 */
function nextTag(text: string, from: number): number | undefined | null {
  for (let i = text.indexOf('{', from); i >= 0; i = text.indexOf('{', i + 1)) {
    const next = text.charAt(i + 1);
    if (next === '%') return null;
    if (next === '{' || next === '#') return i;
  }
  return undefined;
}

/** Nunjucks' lexer: whitespace in code, and the characters that end a symbol. */
const SPACE = 1;
const STOP = 2;
const CLASS = new Uint8Array(0xa1);
for (const c of ' \n\t\r\u00a0') CLASS[c.charCodeAt(0)] = SPACE | STOP;
// Its delimiters, and quotes (a quote inside a word is part of it for Nunjucks: not plain).
for (const c of '()[]{}%*-+~/#,:|.<>=!\'"') CLASS[c.charCodeAt(0)] = STOP;
const classOf = (code: number): number => (code <= 0xa0 ? CLASS[code]! : 0);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DIGITS = /^[0-9]+$/;

/** Reads one `{{ ... }}` hole from after its opening, the way Nunjucks' lexer and parser do. */
class HoleReader {
  constructor(
    private readonly text: string,
    private at: number,
  ) {}

  /** The expression and where the hole ends; undefined when it is not a plain one. */
  hole(): { expr: Expr; end: number; trim: boolean } | undefined {
    const expr = this.expression();
    if (expr === undefined) return undefined;
    this.skipSpace();
    if (this.text.startsWith('}}', this.at)) return { expr, end: this.at + 2, trim: false };
    if (this.text.startsWith('-}}', this.at)) return { expr, end: this.at + 3, trim: true };
    return undefined;
  }

  private expression(): Expr | undefined {
    this.skipSpace();
    const c = this.text.charAt(this.at);
    if (c === '"' || c === "'" || c === '[' || c === '-') {
      const value = this.value();
      return value === undefined ? undefined : { kind: 'literal', value };
    }
    const word = this.word();
    if (word === undefined) return undefined;
    if (!NAME.test(word) || isKeyword(word)) {
      const value = this.wordValue(word);
      return value === undefined ? undefined : { kind: 'literal', value };
    }
    if (Object.hasOwn(CONSTANTS, word))
      return { kind: 'literal', value: new Constant(word, CONSTANTS[word]!) };
    this.skipSpace();
    if (this.text.charAt(this.at) === '(') return this.call(word);
    const path = [word];
    while (this.text.charAt(this.at) === '.') {
      this.at++;
      this.skipSpace();
      const member = this.word();
      if (member === undefined || !NAME.test(member) || isKeyword(member)) return undefined;
      path.push(member);
      this.skipSpace();
    }
    return { kind: 'lookup', path };
  }

  /** `name(` read: the arguments, keyword ones after a plain name and `=`. */
  private call(name: string): Expr | undefined {
    this.at++;
    const args: Expr[] = [];
    const kwargs: (readonly [string, Expr])[] = [];
    this.skipSpace();
    if (this.text.charAt(this.at) === ')') {
      this.at++;
      return { kind: 'call', name, args, kwargs };
    }
    for (;;) {
      this.skipSpace();
      const keyword = this.keyword();
      const value = this.expression();
      if (value === undefined) return undefined;
      if (keyword === undefined) args.push(value);
      else kwargs.push([keyword, value]);
      this.skipSpace();
      const c = this.text.charAt(this.at++);
      if (c === ')') return { kind: 'call', name, args, kwargs };
      if (c !== ',') return undefined;
    }
  }

  /** `name =` (not `==`) read when it is there; else nothing is read. */
  private keyword(): string | undefined {
    const start = this.at;
    const word = this.word();
    if (word !== undefined && NAME.test(word) && !isKeyword(word)) {
      this.skipSpace();
      if (this.text.charAt(this.at) === '=' && this.text.charAt(this.at + 1) !== '=') {
        this.at++;
        return word;
      }
    }
    this.at = start;
    return undefined;
  }

  /** A literal: a string without escapes, a number, -number, true/false/none, or a list. */
  private value(): Value | undefined {
    this.skipSpace();
    const c = this.text.charAt(this.at);
    if (c === '"' || c === "'") {
      const end = this.text.indexOf(c, this.at + 1);
      if (end < 0) return undefined;
      const s = this.text.slice(this.at + 1, end);
      if (s.includes('\\')) return undefined;
      this.at = end + 1;
      return s;
    }
    if (c === '[') {
      this.at++;
      const items: Value[] = [];
      this.skipSpace();
      if (this.text.charAt(this.at) === ']') {
        this.at++;
        return items;
      }
      for (;;) {
        const item = this.value();
        if (item === undefined) return undefined;
        items.push(item);
        this.skipSpace();
        const d = this.text.charAt(this.at++);
        if (d === ']') return items;
        if (d !== ',') return undefined;
      }
    }
    if (c === '-') {
      // Nunjucks' unary minus, of a number only (`--1` would be JavaScript's decrement).
      this.at++;
      this.skipSpace();
      const word = this.word();
      const n = word === undefined ? undefined : this.wordValue(word);
      return typeof n === 'number' ? -n : undefined;
    }
    const word = this.word();
    return word === undefined ? undefined : this.wordValue(word);
  }

  /** What a word is as a literal: an int, a float (reading its decimals), a keyword. */
  private wordValue(word: string): Value | undefined {
    if (DIGITS.test(word)) {
      if (this.text.charAt(this.at) !== '.') return parseInt(word, 10);
      this.at++;
      let decimals = '';
      while (this.at < this.text.length && isDigit(this.text.charCodeAt(this.at)))
        decimals += this.text.charAt(this.at++);
      return parseFloat(`${word}.${decimals}`);
    }
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'none' || word === 'null') return null;
    if (Object.hasOwn(CONSTANTS, word)) return new Constant(word, CONSTANTS[word]!);
    return undefined;
  }

  /** A run of characters up to whitespace or a delimiter, as Nunjucks' lexer cuts symbols. */
  private word(): string | undefined {
    const start = this.at;
    const { text } = this;
    while (this.at < text.length && (classOf(text.charCodeAt(this.at)) & STOP) === 0) this.at++;
    if (this.at === start) return undefined;
    const c = text.charAt(this.at);
    // A quote inside a word is part of it for Nunjucks; `r/.../` is a regex literal.
    if (c === '"' || c === "'" || (c === '/' && this.at === start + 1 && text[start] === 'r'))
      return undefined;
    return text.slice(start, this.at);
  }

  private skipSpace(): void {
    const { text } = this;
    while (this.at < text.length && (classOf(text.charCodeAt(this.at)) & SPACE) !== 0) this.at++;
  }
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57;

/** Words Nunjucks reads as literals, operators or tests, never as names. */
function isKeyword(word: string): boolean {
  return /^(true|false|none|null|and|or|not|in|is|if|else)$/.test(word);
}

/**
 * The value of a hole, or of an argument (`asArgument`: any value, as Nunjucks passes it);
 * throws DECLINE when Nunjucks should decide.
 */
function evaluate(expr: Expr, context: Record<string, unknown>, asArgument = false): unknown {
  switch (expr.kind) {
    case 'literal':
      return copy(expr.value, context);
    case 'lookup': {
      const [name, ...members] = expr.path;
      if (!Object.hasOwn(context, name!)) throw DECLINE;
      let value = context[name!];
      for (const member of members) {
        if (!isPlainObject(value) || OBJECT_METHODS.has(member) || !Object.hasOwn(value, member))
          throw DECLINE;
        value = value[member];
      }
      const type = typeof value;
      if (!asArgument && type !== 'string' && type !== 'number' && type !== 'boolean')
        throw DECLINE;
      return value;
    }
    case 'call': {
      const fn = Object.hasOwn(context, expr.name) ? context[expr.name] : undefined;
      if (!CALLABLE.has(expr.name) || typeof fn !== 'function') throw DECLINE;
      const args: unknown[] = expr.args.map((a) => evaluate(a, context, true));
      if (expr.kwargs.length > 0) {
        const kwargs: Record<string, unknown> = {};
        for (const [k, v] of expr.kwargs) kwargs[k] = evaluate(v, context, true);
        kwargs.__keywords = true;
        args.push(kwargs);
      }
      return (fn as (...a: unknown[]) => unknown)(...args);
    }
  }
}

/** A fresh copy of a literal, as each Nunjucks render makes its own. */
function copy(value: Value, context: Record<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((v: Value) => copy(v, context));
  if (value instanceof Constant) {
    if (value.name in context) throw DECLINE;
    return value.value;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
