import { describe, expect, it } from 'vitest';
import { checkSelection, selectNodes } from '../../core/compile/selection.js';
import { UsageError } from '../../core/errors.js';
import { compileFiles } from '../helpers/compile.js';

/*
 * The fixture graph (parents above children; sources in brackets are not nodes):
 *
 *   [raw.orders]  raw_customers  raw_payments   [raw.events]   [web.clicks]
 *        |              |              |              |              |
 *   stg_orders    stg_customers   stg_payments    stg_events       lonely
 *     |     \         |              |               |
 *     |      customers (+stg_orders) |          events_hourly
 *     |           |                  |
 *     +------ orders_daily (stg_orders, stg_payments)
 *                 |
 *              revenue
 *                 |
 *              report (revenue, customers)
 */
const view = (tags: string, body: string): string =>
  `{{ config(materialized='view', tags=[${tags}]) }} ${body}`;
const compiled = compileFiles({
  'etl.yml':
    'sources:\n  raw:\n    orders: {table: raw.orders}\n    events: {table: raw.events}\n    unused: {table: raw.unused}\n  web:\n    clicks: {table: web.clicks}\n',
  'seeds/raw_customers.csv': 'id\n1\n',
  'seeds/raw_payments.csv': 'id\n1\n',
  'models/staging/stg_orders.sql': view("'staging'", "select * from {{ source('raw', 'orders') }}"),
  'models/staging/stg_customers.sql': view("'staging'", "select * from {{ ref('raw_customers') }}"),
  'models/staging/stg_events.sql': view("'staging'", "select * from {{ source('raw', 'events') }}"),
  'models/staging/sub/stg_payments.sql': view('', "select * from {{ ref('raw_payments') }}"),
  'models/marts/orders_daily.sql': `{{ config(materialized='incremental', time_column='order_date', start='2024-01-01', lookback=2, tags=['finance']) }}
select * from {{ ref('stg_orders') }} join {{ ref('stg_payments') }} using (id)`,
  'models/marts/customers.sql': `{{ config(materialized='table', schema='analytics', tags=['finance', 'pii']) }}
select * from {{ ref('stg_customers') }} join {{ ref('stg_orders') }} using (id)`,
  'models/marts/revenue.sql': `{{ config(materialized='table', tags=['finance']) }} select * from {{ ref('orders_daily') }}`,
  'models/marts/report.sql': "select * from {{ ref('revenue') }}, {{ ref('customers') }}",
  'models/other/lonely.sql': `{{ config(materialized='incremental', unique_key='id') }} select * from {{ source('web', 'clicks') }}`,
  'models/other/events_hourly.sql': `{{ config(materialized='incremental', time_column='ts', grain='hour') }} select * from {{ ref('stg_events') }}`,
});

const ALL = [
  'customers',
  'events_hourly',
  'lonely',
  'orders_daily',
  'raw_customers',
  'raw_payments',
  'report',
  'revenue',
  'stg_customers',
  'stg_events',
  'stg_orders',
  'stg_payments',
];
const fingerprint = (name: string): string => compiled.nodes.get(name)?.fingerprint ?? '';
/** What the warehouse built: the rest of the nodes were never built. */
const built = new Map<string, Set<string>>([
  ['stg_orders', new Set([fingerprint('stg_orders')])],
  ['revenue', new Set(['an-older-definition'])],
  ['orders_daily', new Set(['an-older-definition', fingerprint('orders_daily')])],
  ['raw_payments', new Set([fingerprint('raw_payments')])],
]);
const sel = (select: string[], exclude: string[] = []): string[] =>
  [...selectNodes(compiled, select, exclude, { builtFingerprints: built })].sort();
const without = (...names: string[]): string[] => ALL.filter((n) => !names.includes(n));

describe('selection: dbt grammar', () => {
  it.each<[string, string[], string[], string[]]>([
    ['nothing selects everything', [], [], ALL],
    ['a name', ['revenue'], [], ['revenue']],
    ['a seed', ['raw_payments'], [], ['raw_payments']],
    [
      'a glob of names',
      ['stg_*'],
      [],
      ['stg_customers', 'stg_events', 'stg_orders', 'stg_payments'],
    ],
    // union and intersection
    ['space is a union', ['revenue lonely'], [], ['lonely', 'revenue']],
    ['repeated flags are a union', ['revenue', 'lonely'], [], ['lonely', 'revenue']],
    [
      'comma is an intersection',
      ['tag:finance,config.materialized:table'],
      [],
      ['customers', 'revenue'],
    ],
    ['two tags intersected', ['tag:finance,tag:pii'], [], ['customers']],
    ['disjoint intersection is empty', ['revenue,lonely'], [], []],
    [
      'intersection with graph operators',
      ['+report,tag:staging'],
      [],
      ['stg_customers', 'stg_orders'],
    ],
    [
      'union of intersections',
      ['tag:finance,config.materialized:table lonely'],
      [],
      ['customers', 'lonely', 'revenue'],
    ],
    // graph operators and depths
    [
      'm+: all descendants',
      ['stg_payments+'],
      [],
      ['orders_daily', 'report', 'revenue', 'stg_payments'],
    ],
    ['m+1: children', ['stg_payments+1'], [], ['orders_daily', 'stg_payments']],
    ['m+2: down two', ['stg_payments+2'], [], ['orders_daily', 'revenue', 'stg_payments']],
    [
      'm+1 from a node with two children',
      ['stg_orders+1'],
      [],
      ['customers', 'orders_daily', 'stg_orders'],
    ],
    [
      '+m: all ancestors',
      ['+revenue'],
      [],
      ['orders_daily', 'raw_payments', 'revenue', 'stg_orders', 'stg_payments'],
    ],
    ['1+m: parents', ['1+revenue'], [], ['orders_daily', 'revenue']],
    ['2+m: up two', ['2+revenue'], [], ['orders_daily', 'revenue', 'stg_orders', 'stg_payments']],
    ['0+m: the node alone', ['0+revenue'], [], ['revenue']],
    [
      '+m+',
      ['+customers+'],
      [],
      ['customers', 'raw_customers', 'report', 'stg_customers', 'stg_orders'],
    ],
    ['1+m+1', ['1+customers+1'], [], ['customers', 'report', 'stg_customers', 'stg_orders']],
    [
      'shortest distance counts for depth',
      ['stg_orders+2'],
      [],
      ['customers', 'orders_daily', 'report', 'revenue', 'stg_orders'],
    ],
    [
      '@m: descendants and their ancestors',
      ['@stg_payments'],
      [],
      without('stg_events', 'events_hourly', 'lonely'),
    ],
    ['@m+ is @m', ['@stg_payments+1'], [], without('stg_events', 'events_hourly', 'lonely')],
    [
      '@ on a staging model',
      ['@stg_customers'],
      [],
      [
        'customers',
        'raw_customers',
        'report',
        'revenue',
        'stg_customers',
        'stg_orders',
        'orders_daily',
        'stg_payments',
        'raw_payments',
      ].sort(),
    ],
    [
      'operators on a method',
      ['tag:finance+'],
      [],
      ['customers', 'orders_daily', 'report', 'revenue'],
    ],
    // tag, path
    ['tag', ['tag:pii'], [], ['customers']],
    [
      'path: a folder',
      ['path:models/staging'],
      [],
      ['stg_customers', 'stg_events', 'stg_orders', 'stg_payments'],
    ],
    ['path: a folder with ./ and /', ['path:./models/other/'], [], ['events_hourly', 'lonely']],
    ['path: a file', ['path:models/marts/revenue.sql'], [], ['revenue']],
    ['path: seeds', ['path:seeds'], [], ['raw_customers', 'raw_payments']],
    [
      'path glob dir/* takes files and subfolders',
      ['path:models/staging/*'],
      [],
      ['stg_customers', 'stg_events', 'stg_orders', 'stg_payments'],
    ],
    [
      'path glob dir/*.sql takes files only',
      ['path:models/staging/*.sql'],
      [],
      ['stg_customers', 'stg_events', 'stg_orders'],
    ],
    [
      'path glob with **',
      ['path:models/**/stg_*s.sql'],
      [],
      ['stg_customers', 'stg_events', 'stg_orders', 'stg_payments'],
    ],
    ['path glob through a folder', ['path:models/*/sub/*.sql'], [], ['stg_payments']],
    ['a bare file path is a path', ['models/marts/revenue.sql'], [], ['revenue']],
    ['a bare folder is a path', ['models/other'], [], ['events_hourly', 'lonely']],
    // config
    [
      'config.materialized',
      ['config.materialized:incremental'],
      [],
      ['events_hourly', 'lonely', 'orders_daily'],
    ],
    [
      'config.materialized:view leaves seeds out',
      ['config.materialized:view'],
      [],
      ['report', 'stg_customers', 'stg_events', 'stg_orders', 'stg_payments'],
    ],
    ['config.grain', ['config.grain:hour'], [], ['events_hourly']],
    ['config.tags is membership', ['config.tags:pii'], [], ['customers']],
    ['config.schema', ['config.schema:analytics'], [], ['customers']],
    ['config.time_column', ['config.time_column:order_date'], [], ['orders_daily']],
    ['config.unique_key', ['config.unique_key:id'], [], ['lonely']],
    ['config.start as a date', ['config.start:2024-01-01'], [], ['orders_daily']],
    ['config.lookback as a string', ['config.lookback:2'], [], ['orders_daily']],
    ['config matching nothing is empty', ['config.schema:nowhere'], [], []],
    // source
    [
      'source+: readers and downstream',
      ['source:raw.orders+'],
      [],
      ['customers', 'orders_daily', 'report', 'revenue', 'stg_orders'],
    ],
    ['source+1: direct readers only', ['source:raw.orders+1'], [], ['stg_orders']],
    ['source+2', ['source:raw.orders+2'], [], ['customers', 'orders_daily', 'stg_orders']],
    ['source:GROUP', ['source:raw+1'], [], ['stg_events', 'stg_orders']],
    ['source:GROUP.*', ['source:raw.*+1'], [], ['stg_events', 'stg_orders']],
    ['@source', ['@source:raw.events'], [], ['events_hourly', 'stg_events']],
    ['a declared source nobody reads', ['source:raw.unused+ lonely'], [], ['lonely']],
    [
      'source intersected',
      ['source:raw.orders+,tag:finance'],
      [],
      ['customers', 'orders_daily', 'revenue'],
    ],
    // state
    [
      'state:new',
      ['state:new'],
      [],
      without('stg_orders', 'revenue', 'orders_daily', 'raw_payments'),
    ],
    [
      'state:modified',
      ['state:modified'],
      [],
      without('stg_orders', 'orders_daily', 'raw_payments'),
    ],
    ['state:modified intersected', ['state:modified,tag:finance'], [], ['customers', 'revenue']],
    [
      'state:modified+ takes what is downstream of a change',
      ['state:modified+,tag:finance'],
      [],
      ['customers', 'orders_daily', 'revenue'],
    ],
    ['state:modified less state:new', ['state:modified'], ['state:new'], ['revenue']],
    // exclude
    [
      'exclude a tag',
      ['+report'],
      ['tag:staging'],
      [
        'customers',
        'orders_daily',
        'raw_customers',
        'raw_payments',
        'report',
        'revenue',
        'stg_payments',
      ],
    ],
    [
      'exclude with no select',
      [],
      ['source:raw.orders+'],
      without('customers', 'orders_daily', 'report', 'revenue', 'stg_orders'),
    ],
    [
      'exclude an intersection',
      ['tag:finance'],
      ['tag:finance,config.materialized:table'],
      ['orders_daily'],
    ],
    ['exclude a union', ['path:models/marts'], ['revenue customers'], ['orders_daily', 'report']],
    [
      'exclude with a graph operator',
      ['path:models/marts'],
      ['revenue+'],
      ['customers', 'orders_daily'],
    ],
  ])('%s: select %j exclude %j', (_what, select, exclude, expected) => {
    expect(sel(select, exclude)).toEqual(expected);
  });
});

describe('selection: errors', () => {
  it.each<[string, string[], string[], RegExp]>([
    [
      'unknown name',
      ['revenu'],
      [],
      /^unknown model or seed 'revenu' in --select \(did you mean 'revenue'\?\)$/,
    ],
    [
      'unknown name in exclude',
      [],
      ['lonley+'],
      /^unknown model or seed 'lonley' in --exclude \(did you mean 'lonely'\?\)$/,
    ],
    ['a glob of names matching nothing', ['fct_*'], [], /^no model or seed matches 'fct_\*'$/],
    ['unknown tag', ['tag:financ'], [], /^no model has tag 'financ' \(did you mean 'finance'\?\)$/],
    [
      'a path prefix is not a folder',
      ['path:models/mart'],
      [],
      /^no model or seed under path 'models\/mart'$/,
    ],
    [
      'a glob path matching nothing',
      ['path:models/**/fct_*.sql'],
      [],
      /^no model or seed matches path/,
    ],
    ['@ with a leading +', ['@+revenue'], [], /'@' and a leading '\+' cannot be combined/],
    ['@ with a leading N+', ['@2+revenue'], [], /'@' and a leading '\+' cannot be combined/],
    ['unknown method', ['foo:bar'], [], /^unknown selector method 'foo:' in 'foo:bar'/],
    ['config without a key', ['config:table'], [], /^unknown selector method 'config:'/],
    [
      'unknown config key',
      ['config.materialised:table'],
      [],
      /config\.materialised cannot be selected on \(did you mean 'materialized'\?\)/,
    ],
    ['a list config key', ['config.tests:x'], [], /config\.tests cannot be selected on/],
    [
      'a materialization that does not exist',
      ['config.materialized:tabel'],
      [],
      /'tabel' is not one of view, table, incremental \(did you mean 'table'\?\)/,
    ],
    ['a start that is no date', ['config.start:soon'], [], /config\.start:soon: not a date/],
    [
      'a bare source',
      ['source:raw.orders'],
      [],
      /'source:raw\.orders' selects only the source itself, which etl does not build/,
    ],
    ['a source to depth 0', ['source:raw.orders+0'], [], /selects only the source itself/],
    [
      'a bare source in an intersection',
      ['source:raw.orders,tag:finance'],
      [],
      /selects only the source itself/,
    ],
    [
      'unknown source',
      ['source:raw.ordrs+'],
      [],
      /^unknown source 'raw\.ordrs' in --select \(did you mean 'raw\.orders'\?\)$/,
    ],
    [
      'unknown source group',
      ['source:rew+'],
      [],
      /^unknown source 'rew' in --select \(did you mean 'raw'\?\)$/,
    ],
    ['unknown state', ['state:changed'], [], /^unknown state:changed$/],
    ['an empty selector', ['+'], [], /^empty selector in '\+' \(--select\)$/],
    ['an empty method value', ['revenue,tag:'], [], /^empty selector in 'revenue,tag:'/],
  ])('%s: select %j exclude %j', (_what, select, exclude, message) => {
    expect(() => sel(select, exclude)).toThrow(UsageError);
    expect(() => sel(select, exclude)).toThrow(message);
  });

  it('names the flag the bad selector came from', () => {
    const flagOf = (select: string[], exclude: string[]): string | undefined => {
      try {
        sel(select, exclude);
      } catch (error) {
        return error instanceof UsageError ? error.flag : undefined;
      }
      return 'no error';
    };
    expect(flagOf(['revenue'], ['foo:bar'])).toBe('--exclude');
    expect(flagOf(['foo:bar'], [])).toBe('--select');
  });

  it('lists the supported methods for an unknown one', () => {
    const error = catchUsage(() => sel(['foo:bar']));
    expect(error.hint).toBe(
      'supported: a model or seed name, tag:, path:, config.KEY:, source:, state:',
    );
  });

  it('suggests source+ for a bare source', () => {
    expect(catchUsage(() => sel(['source:raw.orders'])).hint).toContain("'source:raw.orders+'");
  });

  it('needs a warehouse for state: when the caller has none', () => {
    const error = catchUsage(() => selectNodes(compiled, ['state:modified+']));
    expect(error.message).toBe(
      'state:modified needs a warehouse to compare with: this command does not read one',
    );
    expect(() => selectNodes(compiled, [], ['state:new'])).toThrow(/state:new needs a warehouse/);
  });
});

describe('checkSelection', () => {
  it('says whether the selection reads the warehouse', () => {
    expect(checkSelection(compiled, ['tag:finance+'], ['lonely'])).toBe(false);
    expect(checkSelection(compiled, ['tag:finance'], ['state:new'])).toBe(true);
    expect(checkSelection(compiled, ['state:modified+,revenue'])).toBe(true);
  });

  it('reports bad input before the warehouse is read', () => {
    expect(() => checkSelection(compiled, ['state:modified', 'revenu'])).toThrow(
      /unknown model or seed 'revenu'/,
    );
    expect(() => checkSelection(compiled, ['state:changed'])).toThrow(/unknown state:changed/);
  });
});

function catchUsage(f: () => unknown): UsageError {
  try {
    f();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}
