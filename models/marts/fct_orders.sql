-- fct_orders: one row per order with item count, item total and paid amount, built one day at a time.
{{ config(materialized='incremental', time_column='order_date', grain='day', start='2024-01-01', lookback=1, tags=['finance'], description='Order facts; order_total is the sum of line totals, paid_amount the sum of payments.') }}
with orders as (
  select *
  from {{ ref('stg_orders') }}
  where order_date >= {{ start }} and order_date < {{ end }}
),

items as (
  select
    order_id,
    count(*) as item_count,
    sum(quantity)::bigint as units,
    sum(line_total) as order_total
  from {{ ref('stg_order_items') }}
  where order_id in (select order_id from orders)
  group by order_id
),

payments as (
  select
    order_id,
    count(*) as payment_count,
    sum(amount) as paid_amount
  from {{ ref('stg_payments') }}
  where order_id in (select order_id from orders)
  group by order_id
)

select
  o.order_id,
  o.customer_id,
  o.order_date,
  o.ordered_at,
  o.status,
  o.status = 'returned' as is_returned,
  coalesce(i.item_count, 0) as item_count,
  coalesce(i.units, 0) as units,
  coalesce(i.order_total, 0)::decimal(12, 2) as order_total,
  coalesce(p.payment_count, 0) as payment_count,
  coalesce(p.paid_amount, 0)::decimal(12, 2) as paid_amount
from orders as o
left join items as i using (order_id)
left join payments as p using (order_id)
where coalesce(i.order_total, 0) >= cast({{ var('min_order_total') }} as decimal(12, 2))
