-- stg_order_items: one row per order line with quantity, unit price and line total.
{{ config(materialized='view', tags=['staging'], description='Order lines; line_total = quantity * unit_price.') }}
select
  order_item_id::integer as order_item_id,
  order_id::integer as order_id,
  product_id::integer as product_id,
  quantity::integer as quantity,
  unit_price::decimal(10, 2) as unit_price,
  (quantity * unit_price)::decimal(12, 2) as line_total
from {{ ref('raw_order_items') }}
