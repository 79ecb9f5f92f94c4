BEGIN TRANSACTION;
CREATE SCHEMA IF NOT EXISTS "main";
CREATE OR REPLACE VIEW "main"."stg_events" AS
select id, user_id, ts, amount from "main"."raw_events";
INSERT INTO etl_state.models VALUES ('stg_events', 'view', 'e15f5f7eb899579ec4f87b8d64a9f8b39cac0bd6e418c7ee8659759c345c62a3', 0, 'run-1', TIMESTAMP '2024-01-16 02:00:00');
COMMIT;

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
SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "day", "amount" FROM "main"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00') AS etl_row__;
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at) VALUES
  ('daily_amounts', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', '5c66fa03c12c57172a4d775f51d058a4c367f2937cd041187cef79347bcc4cb8', 1, 'b7b5e010a73a4dea', 'run-1', TIMESTAMP '2024-01-16 02:00:00');
COMMIT;

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

BEGIN TRANSACTION;
CREATE SCHEMA IF NOT EXISTS "main";
DROP TABLE IF EXISTS "main"."users__etl_new";
CREATE TABLE "main"."users__etl_new" AS
select user_id, count(*) as events from "main"."stg_events" group by all;
ALTER TABLE "main"."users__etl_new" RENAME TO "users";
SELECT count(*) AS n FROM "main"."users";
INSERT INTO etl_state.models VALUES ('users', 'table', 'afa4105a2fd6832094000501c5c1ac9482646a58933c7bfa6b78d790cfec2469', 2, 'run-1', TIMESTAMP '2024-01-16 02:00:00');
COMMIT;

-- second build: the tables exist now

BEGIN TRANSACTION;
CREATE SCHEMA IF NOT EXISTS "main";
CREATE OR REPLACE VIEW "main"."stg_events" AS
select id, user_id, ts, amount from "main"."raw_events";
INSERT INTO etl_state.models VALUES ('stg_events', 'view', 'e15f5f7eb899579ec4f87b8d64a9f8b39cac0bd6e418c7ee8659759c345c62a3', 0, 'run-2', TIMESTAMP '2024-01-16 02:00:00');
COMMIT;

BEGIN TRANSACTION;
DELETE FROM "main"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00';
INSERT INTO "main"."daily_amounts" ("day", "amount") SELECT "day", "amount" FROM (
select ts::date as day, sum(amount) as amount
from "main"."stg_events"
where ts >= TIMESTAMP '2024-01-15 00:00:00' and ts < TIMESTAMP '2024-01-16 00:00:00'
group by all
) AS etl_q
WHERE CASE WHEN etl_q."day" >= TIMESTAMP '2024-01-15 00:00:00' AND etl_q."day" < TIMESTAMP '2024-01-16 00:00:00' THEN true ELSE error('etl: a row outside the window') END;
SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "day", "amount" FROM "main"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00') AS etl_row__;
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at) VALUES
  ('daily_amounts', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', '5c66fa03c12c57172a4d775f51d058a4c367f2937cd041187cef79347bcc4cb8', 1, 'b7b5e010a73a4dea', 'run-2', TIMESTAMP '2024-01-16 02:00:00');
COMMIT;

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

BEGIN TRANSACTION;
CREATE SCHEMA IF NOT EXISTS "main";
DROP TABLE IF EXISTS "main"."users__etl_new";
CREATE TABLE "main"."users__etl_new" AS
select user_id, count(*) as events from "main"."stg_events" group by all;
DROP TABLE "main"."users";
ALTER TABLE "main"."users__etl_new" RENAME TO "users";
SELECT count(*) AS n FROM "main"."users";
INSERT INTO etl_state.models VALUES ('users', 'table', 'afa4105a2fd6832094000501c5c1ac9482646a58933c7bfa6b78d790cfec2469', 2, 'run-2', TIMESTAMP '2024-01-16 02:00:00');
COMMIT;
