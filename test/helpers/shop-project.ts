/**
 * A small shop in the shape of the classic dbt example, as a user would port it: raw orders
 * and payments seeds from 2018-01-01 to 2018-04-09, a daily incremental `orders`, monthly and
 * weekly models over it, a daily `payments_daily` that reads only the payments seed, and a
 * `customers` table.
 */
export const SHOP_DAYS = 99;

/** `2018-01-01` plus `i` days. */
export function shopDate(i: number): string {
  return new Date(Date.UTC(2018, 0, 1 + i)).toISOString().slice(0, 10);
}

export function shopOrdersCsv(
  edit?: (row: { id: number; date: string; status: string }) => string,
): string {
  const rows = ['id,user_id,order_date,status'];
  let id = 1;
  for (let d = 0; d < SHOP_DAYS; d++) {
    for (let k = 0; k < 1 + (d % 3); k++) {
      const row = {
        id,
        date: shopDate(d),
        status: ['placed', 'shipped', 'completed'][(id + k) % 3]!,
      };
      rows.push(`${id},${(id * 7) % 23},${row.date},${edit ? edit(row) : row.status}`);
      id++;
    }
  }
  return `${rows.join('\n')}\n`;
}

function paymentsCsv(): string {
  const rows = ['id,order_id,paid_on,amount'];
  for (let i = 1; i <= 180; i++) rows.push(`${i},${i},${shopDate(i % SHOP_DAYS)},${(i * 13) % 50}`);
  return `${rows.join('\n')}\n`;
}

export const SHOP_ORDERS_SQL = `-- one row per order, built one day at a time
{{ config(materialized='incremental', time_column='order_date', start='2018-01-01') }}
select id as order_id, user_id as customer_id, order_date::date as order_date, status
from {{ ref('stg_orders') }}
where order_date >= {{ start }} and order_date < {{ end }}
`;

export function shopProjectFiles(): Record<string, string> {
  return {
    'seeds/raw_orders.csv': shopOrdersCsv(),
    'seeds/raw_payments.csv': paymentsCsv(),
    'models/staging/stg_orders.sql': "select * from {{ ref('raw_orders') }}",
    'models/orders.sql': SHOP_ORDERS_SQL,
    'models/monthly_orders.sql': `{{ config(materialized='incremental', time_column='month', grain='month', start='2018-01-01') }}
select date_trunc('month', order_date)::date as month, count(*) as orders, count(distinct order_date) as days
from {{ ref('orders') }}
where order_date >= {{ start }} and order_date < {{ end }}
group by all`,
    'models/weekly_orders.sql': `{{ config(materialized='incremental', time_column='week', grain='week', start='2018-01-01') }}
select date_trunc('week', order_date)::date as week, count(*) as orders
from {{ ref('orders') }}
where order_date >= {{ start }} and order_date < {{ end }}
group by all`,
    'models/payments_daily.sql': `{{ config(materialized='incremental', time_column='paid_on', start='2018-01-01') }}
select paid_on::date as paid_on, count(*) as payments, sum(amount) as amount
from {{ ref('raw_payments') }}
where paid_on >= {{ start }} and paid_on < {{ end }}
group by all`,
    'models/customers.sql': `{{ config(materialized='table') }}
select customer_id, count(*) as orders from {{ ref('orders') }} group by all`,
  };
}
