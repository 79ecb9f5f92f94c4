-- weekly_product_sales: units, orders and revenue per ISO week (Monday start) and product.
{{ config(materialized='incremental', time_column='week_start', grain='week', start='2024-01-01', tags=['merchandising'], description='Weekly sales per product; week_start is the Monday (DATE) of the order week.') }}
select
  date_trunc('week', o.order_date)::date as week_start,
  p.product_id,
  p.product_name,
  p.category,
  count(distinct o.order_id) as orders,
  sum(i.quantity)::bigint as units,
  sum(i.line_total)::decimal(14, 2) as revenue
from {{ ref('stg_orders') }} as o
join {{ ref('stg_order_items') }} as i using (order_id)
join {{ ref('stg_products') }} as p using (product_id)
where o.order_date >= {{ start }} and o.order_date < {{ end }}
group by 1, 2, 3, 4
