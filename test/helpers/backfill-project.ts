/**
 * A small synthetic project for backfill tests: events over `days` days from 2024-01-01,
 * a view, daily models (one built on the other), a weekly, an hourly (batched) and a table.
 */
export function backfillProjectFiles(
  days: number,
  options: { badAmountOn?: string; portable?: boolean } = {},
): Record<string, string> {
  const rows = ['id,ts,user_id,amount'];
  let id = 1;
  for (let d = 0; d < days; d++) {
    const date = new Date(Date.UTC(2024, 0, 1 + d)).toISOString().slice(0, 10);
    for (let k = 0; k < 3 + (d % 4); k++) {
      const hour = String((d * 7 + k * 5) % 24).padStart(2, '0');
      const amount =
        date === options.badAmountOn && k === 0 ? 'oops' : ((d * 13 + k * 7) % 50) + 0.25;
      rows.push(
        `${id++},${date} ${hour}:${String(k * 7).padStart(2, '0')}:00,${(d + k) % 5},${amount}`,
      );
    }
  }
  const files: Record<string, string> = {
    'seeds/events.csv': `${rows.join('\n')}\n`,
    'etl.yml': 'seeds:\n  events:\n    column_types: { amount: VARCHAR }\n',
    'models/stg_events.sql': "select id, ts, user_id, amount from {{ ref('events') }}",
    'models/daily.sql': `{{ config(materialized='incremental', time_column='day', start='2024-01-01') }}
select ts::date as day, count(*) as events, sum(amount::decimal(10, 2)) as amount
from {{ ref('stg_events') }}
where ts >= {{ start }} and ts < {{ end }}
group by all`,
    'models/daily_totals.sql': `{{ config(materialized='incremental', time_column='day', start='2024-01-01') }}
select day, events * 2 as double_events, amount from {{ ref('daily') }}
where day >= {{ start }} and day < {{ end }}`,
    'models/weekly.sql': `{{ config(materialized='incremental', time_column='week', grain='week', start='2024-01-01') }}
select date_trunc('week', ts)::date as week, count(*) as events, count(distinct user_id) as users
from {{ ref('stg_events') }}
where ts >= {{ start }} and ts < {{ end }}
group by all`,
    'models/hourly.sql': `{{ config(materialized='incremental', time_column='hour', grain='hour', start='2024-01-01', batch_size=24) }}
select date_trunc('hour', ts) as hour, count(*) as events
from {{ ref('stg_events') }}
where ts >= {{ start }} and ts < {{ end }}
group by all`,
    'models/users_latest.sql': `{{ config(materialized='incremental', unique_key='user_id', start='2024-01-01') }}
select user_id, max(ts) as last_seen, count(*) as events_that_day, DATE '{{ ds }}' as as_of
from {{ ref('stg_events') }}
where ts >= {{ start }} and ts < {{ end }}
group by all`,
    'models/totals.sql': `{{ config(materialized='table') }}
select count(*) as days, sum(double_events) as events from {{ ref('daily_totals') }}`,
  };
  // Standard SQL for PostgreSQL (the default text is what wave 1's fingerprints were made of).
  if (options.portable === true)
    for (const [name, text] of Object.entries(files))
      files[name] = text.replace(
        'group by all',
        name === 'models/users_latest.sql' ? 'group by user_id' : 'group by 1',
      );
  return files;
}
