-- stg_orders: one row per order with a UTC timestamp and its order_date (DATE).
{{ config(materialized='view', tags=['staging'], description='Cleaned orders; order_date is ordered_at truncated to the UTC day.') }}
select
  order_id::integer as order_id,
  customer_id::integer as customer_id,
  ordered_at::timestamp as ordered_at,
  ordered_at::timestamp::date as order_date,
  lower(trim(status)) as status
from {{ ref('raw_orders') }}
