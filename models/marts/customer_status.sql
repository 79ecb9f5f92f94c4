-- customer_status: latest order status per customer as of the run day, upserted by customer_id.
{{ config(materialized='incremental', unique_key='customer_id', start='2024-01-01', tags=['crm'], description='Per-customer activity as of status_as_of; is_active means an order within the last 30 days.') }}
with orders as (
  select *
  from {{ ref('stg_orders') }}
  where order_date < {{ end }}
)

select
  customer_id,
  min(order_date) as first_order_date,
  max(order_date) as last_order_date,
  count(*) as orders_to_date,
  (array_agg(status order by ordered_at desc, status))[1] as last_order_status,
  DATE '{{ ds }}' - max(order_date) < 30 as is_active,
  DATE '{{ ds }}' as status_as_of
from orders
{% if is_incremental() %}
-- only customers whose row can change today: they ordered in this window, or went inactive today
where customer_id in (
  select customer_id from orders where order_date >= {{ start }}
  union
  select customer_id from orders group by customer_id having max(order_date) = DATE '{{ ds }}' - 30
)
{% endif %}
group by customer_id
