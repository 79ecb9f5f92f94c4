-- dim_customers: one row per customer with first/last order date, order count and lifetime revenue up to the run day.
{{ config(materialized='table', tags=['crm'], description='Customer dimension; revenue excludes returned orders.') }}
with orders as (
  select *
  from {{ ref('fct_orders') }}
  where order_date < {{ end }}
)

select
  c.customer_id,
  c.first_name,
  c.last_name,
  c.email,
  c.country,
  c.signed_up_at,
  min(o.order_date) as first_order_date,
  max(o.order_date) as last_order_date,
  count(o.order_id) as order_count,
  coalesce(sum(o.order_total) filter (where not o.is_returned), 0)::decimal(14, 2) as lifetime_revenue
from {{ ref('stg_customers') }} as c
left join orders as o using (customer_id)
group by 1, 2, 3, 4, 5, 6
