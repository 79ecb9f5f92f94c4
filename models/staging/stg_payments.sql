-- stg_payments: one row per payment; an order has one payment or is split across two.
{{ config(materialized='view', tags=['staging'], description='Payments with method, amount and paid_at timestamp.') }}
select
  payment_id::integer as payment_id,
  order_id::integer as order_id,
  lower(trim(method)) as payment_method,
  amount::decimal(10, 2) as amount,
  paid_at::timestamp as paid_at
from {{ ref('raw_payments') }}
