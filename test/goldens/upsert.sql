BEGIN TRANSACTION;
CREATE TEMP TABLE "etl_stage__user_latest" AS
select user_id, max(ts) as last_at from "main"."stg_events" where ts < TIMESTAMP '2024-01-16 00:00:00' group by all;
SELECT count(*) AS n FROM (SELECT "user_id" FROM "etl_stage__user_latest" GROUP BY "user_id" HAVING count(*) > 1);
SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM "etl_stage__user_latest" AS etl_row__;
CREATE SCHEMA IF NOT EXISTS "main";
CREATE TABLE "main"."user_latest" AS SELECT * FROM "etl_stage__user_latest" WITH NO DATA;
DELETE FROM "main"."user_latest" USING "etl_stage__user_latest" WHERE "main"."user_latest"."user_id" IS NOT DISTINCT FROM "etl_stage__user_latest"."user_id";
INSERT INTO "main"."user_latest" ("user_id", "last_at") SELECT "user_id", "last_at" FROM "etl_stage__user_latest";
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at) VALUES
  ('user_latest', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', '7eca658f6458e2bce3863d13342736ab81f5dc5c31a40f281b1fab5aea36e724', 2, 'cfde168b04e37593', 'run-1', TIMESTAMP '2024-01-16 02:00:00');
DROP TABLE "etl_stage__user_latest";
COMMIT;

-- second build: the tables exist now

BEGIN TRANSACTION;
CREATE TEMP TABLE "etl_stage__user_latest" AS
select user_id, max(ts) as last_at from "main"."stg_events" where ts < TIMESTAMP '2024-01-16 00:00:00' group by all;
SELECT count(*) AS n FROM (SELECT "user_id" FROM "etl_stage__user_latest" GROUP BY "user_id" HAVING count(*) > 1);
SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM "etl_stage__user_latest" AS etl_row__;
DELETE FROM "main"."user_latest" USING "etl_stage__user_latest" WHERE "main"."user_latest"."user_id" IS NOT DISTINCT FROM "etl_stage__user_latest"."user_id";
INSERT INTO "main"."user_latest" ("user_id", "last_at") SELECT "user_id", "last_at" FROM "etl_stage__user_latest";
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at) VALUES
  ('user_latest', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', '7eca658f6458e2bce3863d13342736ab81f5dc5c31a40f281b1fab5aea36e724', 2, 'cfde168b04e37593', 'run-2', TIMESTAMP '2024-01-16 02:00:00');
DROP TABLE "etl_stage__user_latest";
COMMIT;
