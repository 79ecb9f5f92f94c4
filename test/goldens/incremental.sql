BEGIN TRANSACTION;
CREATE SCHEMA IF NOT EXISTS "main";
CREATE TABLE "main"."daily_amounts" AS SELECT "day", "amount" FROM (
select ts::date as day, sum(amount) as amount
from "main"."stg_events"
where ts >= TIMESTAMP '2024-01-15 00:00:00' and ts < TIMESTAMP '2024-01-16 00:00:00'
group by all
) LIMIT 0;
DELETE FROM "main"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00';
INSERT INTO "main"."daily_amounts" ("day", "amount") SELECT "day", "amount" FROM (
select ts::date as day, sum(amount) as amount
from "main"."stg_events"
where ts >= TIMESTAMP '2024-01-15 00:00:00' and ts < TIMESTAMP '2024-01-16 00:00:00'
group by all
) AS etl_q
WHERE CASE WHEN etl_q."day" >= TIMESTAMP '2024-01-15 00:00:00' AND etl_q."day" < TIMESTAMP '2024-01-16 00:00:00' THEN true ELSE error('etl: a row outside the window') END;
SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "amount", "day" FROM "main"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00') AS etl_row__;
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq) VALUES
  ('daily_amounts', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', '9a43272b698755a1.96a27c5975d6c8f9.1f4268f8edc9c454', 1, '8a91f1075b2250ba', 'run-1', TIMESTAMP '2024-01-16 02:00:00', '03d936ea6115', TIMESTAMP '2024-01-15 00:00:00', NULL, false, nextval('etl_state.seq'));
COMMIT;

-- second build: the tables exist now

BEGIN TRANSACTION;
DELETE FROM "main"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00';
INSERT INTO "main"."daily_amounts" ("day", "amount") SELECT "day", "amount" FROM (
select ts::date as day, sum(amount) as amount
from "main"."stg_events"
where ts >= TIMESTAMP '2024-01-15 00:00:00' and ts < TIMESTAMP '2024-01-16 00:00:00'
group by all
) AS etl_q
WHERE CASE WHEN etl_q."day" >= TIMESTAMP '2024-01-15 00:00:00' AND etl_q."day" < TIMESTAMP '2024-01-16 00:00:00' THEN true ELSE error('etl: a row outside the window') END;
SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "amount", "day" FROM "main"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00') AS etl_row__;
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq) VALUES
  ('daily_amounts', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', '9a43272b698755a1.96a27c5975d6c8f9.1f4268f8edc9c454', 1, '8a91f1075b2250ba', 'run-2', TIMESTAMP '2024-01-16 02:00:00', '03d936ea6115', TIMESTAMP '2024-01-15 00:00:00', NULL, false, nextval('etl_state.seq'));
COMMIT;
