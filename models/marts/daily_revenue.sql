-- daily_revenue: orders, customers and revenue per order_date and customer country.
{{ config(materialized='incremental', time_column='order_date', grain='day', start='2024-01-01', tags=['finance'], description='Daily revenue by country; revenue excludes returned orders, gross_revenue includes them.') }}
select
  f.order_date,
  c.country,
  count(*) as orders,
  count(distinct f.customer_id) as customers,
  sum(f.units)::bigint as units,
  sum(f.order_total)::decimal(14, 2) as gross_revenue,
  coalesce(sum(f.order_total) filter (where f.is_returned), 0)::decimal(14, 2) as returned_revenue,
  coalesce(sum(f.order_total) filter (where not f.is_returned), 0)::decimal(14, 2) as revenue
from {{ ref('fct_orders') }} as f
join {{ ref('stg_customers') }} as c using (customer_id)
where f.order_date >= {{ start }} and f.order_date < {{ end }}
group by 1, 2
