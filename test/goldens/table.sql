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
DROP TABLE IF EXISTS "main"."users__etl_new";
CREATE TABLE "main"."users__etl_new" AS
select user_id, count(*) as events from "main"."stg_events" group by all;
DROP TABLE "main"."users";
ALTER TABLE "main"."users__etl_new" RENAME TO "users";
SELECT count(*) AS n FROM "main"."users";
INSERT INTO etl_state.models VALUES ('users', 'table', 'afa4105a2fd6832094000501c5c1ac9482646a58933c7bfa6b78d790cfec2469', 2, 'run-2', TIMESTAMP '2024-01-16 02:00:00');
COMMIT;
