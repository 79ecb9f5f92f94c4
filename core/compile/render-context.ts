import { sqlLiteral } from '../util/sql.js';
import type { Window } from '../time/window.js';
import { formatDay, formatTimestamp } from '../time/window.js';
import { TemplateCallError } from './template-error.js';

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
}

const KEYWORDS = '__keywords';

/** The Nunjucks context object for one render. */
export function renderContext(inputs: RenderInputs): Record<string, unknown> {
  const start = `TIMESTAMP '${formatTimestamp(inputs.window.start)}'`;
  const end = `TIMESTAMP '${formatTimestamp(inputs.window.end)}'`;
  return {
    start,
    end,
    ds: `DATE '${formatDay(inputs.window.start)}'`,
    this: inputs.self,
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
      if (Object.hasOwn(inputs.vars, name)) return sqlLiteral(inputs.vars[name]);
      const fallback = rest.filter((r) => !isKeywords(r));
      if (fallback.length > 0) return sqlLiteral(fallback[0]);
      throw new TemplateCallError(
        `var '${name}' is not set: define it under vars in etl.yml, pass --vars '{"${name}": ...}', or give a default: var('${name}', default)`,
        `var('${name}'`,
      );
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
  };
}

function isKeywords(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && KEYWORDS in value;
}
