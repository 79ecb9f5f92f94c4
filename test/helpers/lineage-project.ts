/**
 * A project for the laws of data versions: every grain over every grain and the other inputs
 * a window can read. Days run from Monday 2024-02-26 to Sunday 2024-03-31, so that every week
 * and month of the range closes on its last day.
 *
 * - seeds `events` (events over the range) and `users` (a tier per user);
 * - `stg_events`: a view over the events seed;
 * - `user_tiers`: a table over the users seed (a table upstream);
 * - `daily`: day windows over the view;
 * - `daily_tier`: day windows joining the view with the table, with `lookback = 1`;
 * - `weekly`, `monthly` (start 2024-02-01, before daily's): week and month windows over `daily`;
 * - `hourly`: hour windows over `daily` (an hour reads its day), batched by 24, `lookback = 1`
 *   (so the first hour of a day reads the day before as well);
 * - `users_latest`: an upsert by user over the view;
 * - `totals`: a table over `monthly`.
 *
 * - `running`: a running total that reads its own table (`{{ this }}`) over `daily`;
 * - `seen`: day windows reading the upsert `users_latest` (as a whole);
 * - `asof`: a table over `daily` written against `{{ end }}` (it differs by run day).
 *
 * Variants change what a clean build gives: `events` and `users` edit seed rows, `daily`
 * edits the model's SQL (`B` changes its rows; `C` is `A` with comments and spacing only; `S`
 * moves its start two days later), `tier` changes the grain of `daily_tier` and `tierAs` its
 * materialization (windows, or a table or a view over the whole range whose counts are ten
 * times as large: rows of one left in the relation of the other show).
 *
 * Its SQL runs on DuckDB and PostgreSQL alike (no `group by all`, `QUALIFY` or other DuckDB
 * only syntax), so the same laws are checked on both engines.
 */
export interface LineageVariant {
  readonly events: 'A' | 'B';
  readonly users: 'A' | 'B';
  readonly daily: 'A' | 'B' | 'C' | 'S';
  readonly tier?: 'day' | 'week';
  readonly tierAs?: 'incremental' | 'table' | 'view';
}

export const LINEAGE_FIRST_DAY = Date.UTC(2024, 1, 26);
export const LINEAGE_DAYS = 35;

/** The day `i` of the range (0-based), as epoch ms. */
export function lineageDay(i: number): number {
  return LINEAGE_FIRST_DAY + i * 86_400_000;
}

/** The files of the lineage project in a variant. */
export function lineageProjectFiles(
  variant: LineageVariant = { events: 'A', users: 'A', daily: 'A' },
): Record<string, string> {
  const rows = ['id,ts,user_id,amount'];
  let id = 1;
  for (let d = 0; d < LINEAGE_DAYS; d++) {
    const date = new Date(lineageDay(d)).toISOString().slice(0, 10);
    for (let k = 0; k < 2 + (d % 3); k++) {
      const hour = String((d * 5 + k * 7) % 24).padStart(2, '0');
      // Variant B changes the amounts of days 3 and 17 only.
      const bump = variant.events === 'B' && (d === 3 || d === 17) ? 100 : 0;
      rows.push(
        `${id++},${date} ${hour}:15:00,${(d + k) % 4},${((d * 7 + k * 3) % 20) + 0.5 + bump}`,
      );
    }
  }
  const users = [
    'user_id,tier',
    '0,gold',
    '1,silver',
    `2,${variant.users === 'B' ? 'gold' : 'bronze'}`,
    '3,silver',
  ];
  const dailyA = `{{ config(materialized='incremental', time_column='day', start='2024-02-26') }}
select ts::date as day, count(*) as events, sum(amount) as amount
from {{ ref('stg_events') }}
where ts >= {{ start }} and ts < {{ end }}
group by 1`;
  const daily =
    variant.daily === 'A'
      ? dailyA
      : variant.daily === 'B'
        ? dailyA.replace('sum(amount) as amount', 'sum(amount) * 2 as amount')
        : variant.daily === 'S'
          ? dailyA.replace("start='2024-02-26'", "start='2024-02-28'")
          : `-- events and amounts per day
${dailyA.replace('group by 1', 'group   by 1 -- one row a day')}
`;
  const week = variant.tier === 'week';
  const tierAs = variant.tierAs ?? 'incremental';
  return {
    'seeds/events.csv': `${rows.join('\n')}\n`,
    'seeds/users.csv': `${users.join('\n')}\n`,
    'etl.yml': 'seeds:\n  events:\n    column_types: { amount: DOUBLE }\n',
    'models/stg_events.sql': "select id, ts, user_id, amount from {{ ref('events') }}",
    'models/user_tiers.sql': `{{ config(materialized='table') }}
select user_id, upper(tier) as tier from {{ ref('users') }}`,
    'models/daily.sql': daily,
    'models/daily_tier.sql': `${
      tierAs === 'incremental'
        ? `{{ config(materialized='incremental', time_column='day', start='2024-02-26', lookback=1${week ? ", grain='week'" : ''}) }}`
        : `{{ config(materialized='${tierAs}') }}`
    }
select ${week ? "date_trunc('week', e.ts)::date" : 'e.ts::date'} as day, t.tier, count(*)${tierAs === 'incremental' ? '' : ' * 10'} as events
from {{ ref('stg_events') }} as e join {{ ref('user_tiers') }} as t using (user_id)
${tierAs === 'incremental' ? 'where e.ts >= {{ start }} and e.ts < {{ end }}' : ''}
group by 1, 2`,
    'models/weekly.sql': `{{ config(materialized='incremental', time_column='week', grain='week', start='2024-02-26') }}
select date_trunc('week', day)::date as week, count(*) as days, sum(events) as events, sum(amount) as amount
from {{ ref('daily') }}
where day >= {{ start }} and day < {{ end }}
group by 1`,
    'models/monthly.sql': `{{ config(materialized='incremental', time_column='month', grain='month', start='2024-02-01') }}
select date_trunc('month', day)::date as month, count(*) as days, sum(events) as events, sum(amount) as amount
from {{ ref('daily') }}
where day >= {{ start }} and day < {{ end }}
group by 1`,
    'models/hourly.sql': `{{ config(materialized='incremental', time_column='hour', grain='hour', start='2024-02-26', batch_size=24, lookback=1) }}
select date_trunc('hour', e.ts) as hour, count(*) as events, any_value(d.events) as day_events
from {{ ref('stg_events') }} as e join {{ ref('daily') }} as d on d.day = e.ts::date
where e.ts >= {{ start }} and e.ts < {{ end }}
group by 1`,
    'models/users_latest.sql': `{{ config(materialized='incremental', unique_key='user_id', start='2024-02-26') }}
select user_id, max(ts) as last_seen, count(*) as events_that_day, DATE '{{ ds }}' as as_of
from {{ ref('stg_events') }}
where ts >= {{ start }} and ts < {{ end }}
group by user_id`,
    'models/totals.sql': `{{ config(materialized='table') }}
select count(*) as months, sum(events) as events, sum(amount) as amount from {{ ref('monthly') }}`,
    'models/running.sql': `{{ config(materialized='incremental', time_column='day', start='2024-02-26') }}
select d.day, d.events,
  d.events + {% if is_incremental() %}coalesce((select r.total from {{ this }} as r where r.day = d.day - 1), 0){% else %}0{% endif %} as total
from {{ ref('daily') }} as d where d.day >= {{ start }} and d.day < {{ end }}`,
    'models/seen.sql': `{{ config(materialized='incremental', time_column='day', start='2024-02-26') }}
select e.ts::date as day, count(*) as events, count(*) filter (where l.last_seen > e.ts) as seen_later
from {{ ref('stg_events') }} as e join {{ ref('users_latest') }} as l using (user_id)
where e.ts >= {{ start }} and e.ts < {{ end }}
group by 1`,
    'models/asof.sql': `{{ config(materialized='table') }}
select count(*) as days, max(day) as last_day from {{ ref('daily') }} where day < {{ end }}`,
  };
}
