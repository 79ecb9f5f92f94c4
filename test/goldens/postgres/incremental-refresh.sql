-- begin
BEGIN TRANSACTION;
-- lock
SELECT CASE WHEN bool_and(pg_try_advisory_xact_lock(etl_k.h)) THEN true ELSE etl_state.etl_raise('etl: held by another process') END FROM (VALUES (hashtextextended('"public"."daily_amounts__etl_refresh"@1705276800000', 0))) AS etl_k(h);
-- drop
DELETE FROM etl_state.refreshing WHERE model = 'daily_amounts';
-- schema
CREATE SCHEMA IF NOT EXISTS "public";
-- create
CREATE TABLE "public"."daily_amounts__etl_refresh" AS SELECT "day", "amount" FROM (
select ts::date as day, sum(amount) as amount
from "public"."stg_events"
where ts >= TIMESTAMP '2024-01-15 00:00:00' and ts < TIMESTAMP '2024-01-16 00:00:00'
group by 1
) AS etl_q LIMIT 0;
-- create
CREATE INDEX ON "public"."daily_amounts__etl_refresh" ("day");
-- delete
DELETE FROM "public"."daily_amounts__etl_refresh" WHERE "day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00';
-- insert
INSERT INTO "public"."daily_amounts__etl_refresh" ("day", "amount") SELECT "day", "amount" FROM (
select ts::date as day, sum(amount) as amount
from "public"."stg_events"
where ts >= TIMESTAMP '2024-01-15 00:00:00' and ts < TIMESTAMP '2024-01-16 00:00:00'
group by 1
) AS etl_q
WHERE CASE WHEN etl_q."day" >= TIMESTAMP '2024-01-15 00:00:00' AND etl_q."day" < TIMESTAMP '2024-01-16 00:00:00' THEN true ELSE etl_state.etl_raise('etl: a row outside the window') END;
-- ledger
INSERT INTO etl_state.refreshing (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq)
SELECT 'daily_amounts', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', '461b61c999a79699.96c2c9a49b259871.e64c14d60044095d', etl_s.n, lpad(to_hex((CASE WHEN (((((coalesce(etl_s.h, 0) + 11912561754340888181)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) >= 9223372036854775808::numeric THEN (((((coalesce(etl_s.h, 0) + 11912561754340888181)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) - 18446744073709551616::numeric ELSE (((((coalesce(etl_s.h, 0) + 11912561754340888181)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) END)::bigint), 16, '0'), 'run-1', TIMESTAMP '2024-01-16 02:00:00', 'v1', TIMESTAMP '2024-01-15 00:00:00', CAST(NULL AS VARCHAR), false, nextval('etl_state.seq')
FROM (SELECT count(*) AS n, sum(('x' || substr(md5((etl_row__)::text), 1, 16))::bit(64)::bigint::numeric) AS h FROM (SELECT "amount", "day" FROM "public"."daily_amounts__etl_refresh" WHERE "day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00') AS etl_row__) AS etl_s
RETURNING (extract(epoch from window_start) * 1000)::bigint AS w, row_count, content_hash;
-- commit
COMMIT;
