-- begin
BEGIN TRANSACTION;
-- lock
SELECT CASE WHEN bool_and(pg_try_advisory_xact_lock(etl_k.h)) THEN true ELSE etl_state.etl_raise('etl: held by another process') END FROM (VALUES (hashtextextended('"public"."daily_amounts"@1705276800000', 0))) AS etl_k(h);
-- claim
SELECT (extract(epoch from p.window_start) * 1000)::bigint AS w, p.row_count, p.content_hash, p."partial", p.run_id
FROM etl_state.partitions AS p
JOIN (VALUES (TIMESTAMP '2024-01-15 00:00:00', 0, 'v1')) AS etl_c(s, seen, iv) ON p.window_start = etl_c.s
WHERE p.model = 'daily_amounts' AND p.fingerprint = '461b61c999a79699.96c2c9a49b259871.e64c14d60044095d'
  AND p.seq > etl_c.seen AND p.input_version = etl_c.iv
  AND p.seq = (SELECT max(q.seq) FROM etl_state.partitions AS q WHERE q.model = p.model AND q.window_start = p.window_start);
-- schema
CREATE SCHEMA IF NOT EXISTS "public";
-- create
CREATE TABLE "public"."daily_amounts" AS SELECT "day", "amount" FROM (
select ts::date as day, sum(amount) as amount
from "public"."stg_events"
where ts >= TIMESTAMP '2024-01-15 00:00:00' and ts < TIMESTAMP '2024-01-16 00:00:00'
group by 1
) AS etl_q LIMIT 0;
-- create
CREATE INDEX ON "public"."daily_amounts" ("day");
-- delete
DELETE FROM "public"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00';
-- insert
INSERT INTO "public"."daily_amounts" ("day", "amount") SELECT "day", "amount" FROM (
select ts::date as day, sum(amount) as amount
from "public"."stg_events"
where ts >= TIMESTAMP '2024-01-15 00:00:00' and ts < TIMESTAMP '2024-01-16 00:00:00'
group by 1
) AS etl_q
WHERE CASE WHEN etl_q."day" >= TIMESTAMP '2024-01-15 00:00:00' AND etl_q."day" < TIMESTAMP '2024-01-16 00:00:00' THEN true ELSE etl_state.etl_raise('etl: a row outside the window') END;
-- ledger
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq)
SELECT 'daily_amounts', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', '461b61c999a79699.96c2c9a49b259871.e64c14d60044095d', etl_s.n, lpad(to_hex((CASE WHEN (((((coalesce(etl_s.h, 0) + 11912561754340888181)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) >= 9223372036854775808::numeric THEN (((((coalesce(etl_s.h, 0) + 11912561754340888181)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) - 18446744073709551616::numeric ELSE (((((coalesce(etl_s.h, 0) + 11912561754340888181)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) END)::bigint), 16, '0'), 'run-1', TIMESTAMP '2024-01-16 02:00:00', 'v1', TIMESTAMP '2024-01-15 00:00:00', CAST(NULL AS VARCHAR), false, nextval('etl_state.seq')
FROM (SELECT count(*) AS n, sum(('x' || substr(md5((etl_row__)::text), 1, 16))::bit(64)::bigint::numeric) AS h FROM (SELECT "amount", "day" FROM "public"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00') AS etl_row__) AS etl_s
RETURNING (extract(epoch from window_start) * 1000)::bigint AS w, row_count, content_hash;
-- test
WITH etl_scoped AS (SELECT * FROM "public"."daily_amounts" WHERE ("day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00'))
SELECT * FROM etl_scoped WHERE "day" IS NULL;
-- test
WITH etl_scoped AS (SELECT * FROM "public"."daily_amounts" WHERE ("day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00'))
SELECT "day", count(*) AS occurrences FROM etl_scoped WHERE "day" IS NOT NULL GROUP BY "day" HAVING count(*) > 1;
-- commit
COMMIT;
