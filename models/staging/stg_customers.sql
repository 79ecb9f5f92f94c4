-- stg_customers: one row per customer with trimmed names, lowercased email and signup date.
{{ config(materialized='view', tags=['staging'], description='Cleaned customers from the raw_customers seed.') }}
select
  customer_id::integer as customer_id,
  trim(first_name) as first_name,
  trim(last_name) as last_name,
  lower(trim(email)) as email,
  upper(trim(country)) as country,
  signed_up_at::date as signed_up_at
from {{ ref('raw_customers') }}
