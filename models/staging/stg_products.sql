-- stg_products: product catalog with name, category and list price.
{{ config(materialized='view', tags=['staging'], description='Product catalog.') }}
select
  product_id::integer as product_id,
  trim(name) as product_name,
  lower(trim(category)) as category,
  price::decimal(10, 2) as list_price
from {{ ref('raw_products') }}
