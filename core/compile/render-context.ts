import { sqlLiteral } from '../util/sql.js';
import type { Window } from '../time/window.js';
import { formatDay, formatTimestamp } from '../time/window.js';
import { MacroError, TemplateCallError } from './template-error.js';
import { MACRO_REGISTRY, MACRO_WRAPPER } from './macros.js';

/** What `{{ target }}` shows of the warehouse: dbt's `target.name`, `.type`, `.schema`. */
export interface TargetInfo {
  readonly name: string;
  readonly type: string;
  readonly schema: string;
}

/** What a model's template can see and call (DESIGN §3). */
export interface RenderInputs {
  readonly window: Window;
  readonly isIncremental: boolean;
  /** The quoted relation of `this` model. */
  readonly self: string;
  readonly vars: Readonly<Record<string, unknown>>;
  /** The relation of a model or seed; may throw TemplateCallError. */
  readonly ref: (name: string) => string;
  /** The relation (or table function) of a declared source; may throw TemplateCallError. */
  readonly source: (group: string, name: string) => string;
  /** Receives config(...) keyword arguments. */
  readonly config: (kwargs: Record<string, unknown>) => void;
  readonly target: TargetInfo;
  /** The environment `env_var()` reads (process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where `log(msg, info=True)` writes; default stderr. */
  readonly log?: (message: string) => void;
}

const KEYWORDS = '__keywords';

/** The Nunjucks context object for one render. */
export function renderContext(inputs: RenderInputs): Record<string, unknown> {
  const times = windowTexts(inputs.window);
  const macros = new Map<string, unknown>();
  return {
    start: times.start,
    end: times.end,
    start_ts: times.start_ts,
    end_ts: times.end_ts,
    ds: times.ds,
    ds_nodash: times.ds_nodash,
    ts: times.ts,
    this: inputs.self,
    target: { ...inputs.target },
    is_incremental: () => inputs.isIncremental,
    ref: (name: unknown, ...rest: unknown[]) => {
      if (typeof name !== 'string' || rest.some((r) => !isKeywords(r)))
        throw new TemplateCallError(
          `ref() takes one model or seed name, e.g. ref('stg_orders')`,
          'ref(',
        );
      return inputs.ref(name);
    },
    source: (group: unknown, name: unknown) => {
      if (typeof group !== 'string' || typeof name !== 'string')
        throw new TemplateCallError(
          `source() takes a group and a name, e.g. source('raw', 'events')`,
        );
      return inputs.source(group, name);
    },
    var: (name: unknown, ...rest: unknown[]) => {
      if (typeof name !== 'string')
        throw new TemplateCallError(`var() takes a variable name, e.g. var('country')`, 'var(');
      // A copy: Jinja-compat methods such as .append() must not change the next render's.
      // Strings, numbers, booleans and null cannot be changed: no copy.
      if (Object.hasOwn(inputs.vars, name)) {
        const value = inputs.vars[name];
        return typeof value === 'object' && value !== null ? structuredClone(value) : value;
      }
      const fallback = rest.filter((r) => !isKeywords(r));
      if (fallback.length > 0) return fallback[0];
      throw new TemplateCallError(
        `var '${name}' is not set: define it under vars in etl.yml, pass --vars '{${name}: ...}', or give a default: var('${name}', default)`,
        `var('${name}'`,
      );
    },
    literal: (value: unknown, ...rest: unknown[]) => {
      if (rest.some((r) => !isKeywords(r)))
        throw new TemplateCallError(
          `literal() takes one value, e.g. literal(var('country'))`,
          'literal(',
        );
      return literal(value);
    },
    env_var: (name: unknown, ...rest: unknown[]) => {
      if (typeof name !== 'string')
        throw new TemplateCallError(
          `env_var() takes a variable name, e.g. env_var('DBT_SCHEMA', 'dev')`,
          'env_var(',
        );
      const value = (inputs.env ?? process.env)[name];
      if (value !== undefined) return value;
      const fallback = rest.filter((r) => !isKeywords(r));
      if (fallback.length > 0) return fallback[0];
      throw new TemplateCallError(
        `environment variable '${name}' is not set and env_var('${name}') gives no default: set it, or write env_var('${name}', 'default')`,
        `env_var('${name}'`,
      );
    },
    log: (message: unknown, ...rest: unknown[]) => {
      const kwargs = rest.find(isKeywords);
      const info = kwargs?.info === true || rest[0] === true;
      if (info) (inputs.log ?? ((m: string) => process.stderr.write(`${m}\n`)))(String(message));
      return '';
    },
    config: (...args: unknown[]) => {
      const kwargs = args.find(isKeywords);
      if (args.length !== 1 || kwargs === undefined)
        throw new TemplateCallError(
          `config() takes keyword arguments only, e.g. config(materialized='table')`,
          'config(',
        );
      const copy: Record<string, unknown> = { ...kwargs };
      delete copy[KEYWORDS];
      inputs.config(copy);
      return '';
    },
    [MACRO_REGISTRY]: macros,
    [MACRO_WRAPPER]: (file: string, name: string, macro: unknown) => {
      macros.set(name, wrapMacro(file, name, macro));
      return '';
    },
  };
}

/** The window's times as a template sees them. */
interface WindowTexts {
  /** Typed literals, for SQL; the raw strings are for '{{ ... }}' and string logic. */
  readonly start: string;
  readonly end: string;
  readonly start_ts: string;
  readonly end_ts: string;
  /** Airflow's: the window's first day, raw. */
  readonly ds: string;
  readonly ds_nodash: string;
  readonly ts: string;
}

// Compiling renders every model at the same window, and planning renders many at each: the
// texts of the last window are kept.
let lastTexts: { start: number; end: number; texts: WindowTexts } | undefined;

function windowTexts(window: Window): WindowTexts {
  if (lastTexts?.start === window.start && lastTexts.end === window.end) return lastTexts.texts;
  const startTs = formatTimestamp(window.start).replace(' ', 'T');
  const day = formatDay(window.start);
  const texts: WindowTexts = {
    start: `TIMESTAMP '${formatTimestamp(window.start)}'`,
    end: `TIMESTAMP '${formatTimestamp(window.end)}'`,
    start_ts: startTs,
    end_ts: formatTimestamp(window.end).replace(' ', 'T'),
    ds: day,
    ds_nodash: day.replaceAll('-', ''),
    ts: `${startTs}+00:00`,
  };
  lastTexts = { start: window.start, end: window.end, texts };
  return texts;
}

/**
 * A value as a SQL literal: strings quoted and escaped, numbers and booleans as SQL, null as
 * NULL, a list as `(a, b)` for `in`. The safe way to put a var into SQL.
 */
export function literal(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length === 0)
      throw new TemplateCallError(
        'literal() of an empty list has no SQL form: `x in ()` is not SQL; test the list first',
        'literal(',
      );
    return `(${value.map((v) => sqlLiteral(v)).join(', ')})`;
  }
  return sqlLiteral(value);
}

/**
 * A macro as templates call it: the macro itself, with its failures marked as its own so the
 * error names the macro's file (Nunjucks would give the calling template's).
 */
function wrapMacro(file: string, name: string, macro: unknown): unknown {
  if (typeof macro !== 'function') return macro;
  const fn = macro as (...args: unknown[]) => unknown;
  return function (this: unknown, ...args: unknown[]) {
    try {
      return fn.apply(this, args);
    } catch (error) {
      if (error instanceof MacroError) throw error;
      throw new MacroError(file, name, error);
    }
  };
}

function isKeywords(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && KEYWORDS in value;
}
