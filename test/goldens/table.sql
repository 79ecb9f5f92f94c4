BEGIN TRANSACTION;
CREATE SCHEMA IF NOT EXISTS "main";
DROP TABLE IF EXISTS "main"."users__etl_new";
CREATE TABLE "main"."users__etl_new" AS
select user_id, count(*) as events from "main"."stg_events" group by all;
ALTER TABLE "main"."users__etl_new" RENAME TO "users";
SELECT count(*) AS n FROM "main"."users";
COMMIT;

-- second build: the tables exist now

BEGIN TRANSACTION;
CREATE SCHEMA IF NOT EXISTS "main";
DROP TABLE IF EXISTS "main"."users__etl_new";
CREATE TABLE "main"."users__etl_new" AS
select user_id, count(*) as events from "main"."stg_events" group by all;
DROP TABLE "main"."users";
ALTER TABLE "main"."users__etl_new" RENAME TO "users";
SELECT count(*) AS n FROM "main"."users";
COMMIT;
