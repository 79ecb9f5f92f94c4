-- monthly_revenue: monthly totals rolled up from daily_revenue.
{{ config(materialized='incremental', time_column='month_start', grain='month', start='2024-01-01', tags=['finance'], description='Monthly revenue; month_start is the first day (DATE) of the month.') }}
select
  date_trunc('month', order_date)::date as month_start,
  count(distinct order_date) as days_with_orders,
  count(distinct country) as countries,
  sum(orders)::bigint as orders,
  sum(units)::bigint as units,
  sum(gross_revenue)::decimal(14, 2) as gross_revenue,
  sum(returned_revenue)::decimal(14, 2) as returned_revenue,
  sum(revenue)::decimal(14, 2) as revenue,
  round(sum(gross_revenue) / nullif(sum(orders), 0), 2)::decimal(14, 2) as avg_order_value
from {{ ref('daily_revenue') }}
where order_date >= {{ start }} and order_date < {{ end }}
group by 1
