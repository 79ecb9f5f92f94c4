-- begin
BEGIN TRANSACTION;
-- schema
CREATE SCHEMA IF NOT EXISTS "main";
-- create
CREATE TABLE "main"."daily_amounts" AS SELECT "day", "amount" FROM (
select ts::date as day, sum(amount) as amount
from "main"."stg_events"
where ts >= TIMESTAMP '2024-01-15 00:00:00' and ts < TIMESTAMP '2024-01-16 00:00:00'
group by 1
) AS etl_q LIMIT 0;
-- delete
DELETE FROM "main"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00';
-- insert
INSERT INTO "main"."daily_amounts" ("day", "amount") SELECT "day", "amount" FROM (
select ts::date as day, sum(amount) as amount
from "main"."stg_events"
where ts >= TIMESTAMP '2024-01-15 00:00:00' and ts < TIMESTAMP '2024-01-16 00:00:00'
group by 1
) AS etl_q
WHERE CASE WHEN etl_q."day" >= TIMESTAMP '2024-01-15 00:00:00' AND etl_q."day" < TIMESTAMP '2024-01-16 00:00:00' THEN true ELSE error('etl: a row outside the window') END;
-- ledger
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq)
SELECT 'daily_amounts', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', '213ebb217fee8594.96a27c5975d6c8f9.1f4268f8edc9c454', etl_s.n, lower(lpad(to_hex(((((coalesce(etl_s.h, 0) + 11912561754340888181)::HUGEINT % 18446744073709551616::HUGEINT) + 18446744073709551616::HUGEINT) % 18446744073709551616::HUGEINT)::UBIGINT), 16, '0')), 'run-1', TIMESTAMP '2024-01-16 02:00:00', 'v1', TIMESTAMP '2024-01-15 00:00:00', CAST(NULL AS VARCHAR), false, nextval('etl_state.seq')
FROM (SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "amount", "day" FROM "main"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00') AS etl_row__) AS etl_s
RETURNING epoch_ms(window_start) AS w, row_count, content_hash;
-- test
WITH etl_scoped AS (SELECT * FROM "main"."daily_amounts" WHERE ("day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00'))
SELECT * FROM etl_scoped WHERE "day" IS NULL;
-- test
WITH etl_scoped AS (SELECT * FROM "main"."daily_amounts" WHERE ("day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00'))
SELECT "day", count(*) AS occurrences FROM etl_scoped WHERE "day" IS NOT NULL GROUP BY "day" HAVING count(*) > 1;
-- commit
COMMIT;
