-- hourly_orders: order count, units and item revenue per UTC hour, built one hour at a time.
{{ config(materialized='incremental', time_column='order_hour', grain='hour', start='2024-01-01', batch_size=24, tags=['ops'], description='Hourly order volume; order_hour is a TIMESTAMP truncated to the hour.') }}
with orders as (
  select order_id, customer_id, ordered_at
  from {{ ref('stg_orders') }}
  where ordered_at >= {{ start }} and ordered_at < {{ end }}
)

select
  date_trunc('hour', o.ordered_at) as order_hour,
  count(distinct o.order_id) as orders,
  count(distinct o.customer_id) as customers,
  coalesce(sum(i.quantity), 0)::bigint as units,
  coalesce(sum(i.line_total), 0)::decimal(14, 2) as revenue
from orders as o
left join {{ ref('stg_order_items') }} as i using (order_id)
group by 1
