BEGIN TRANSACTION;
CREATE TEMP TABLE "etl_stage__user_latest" AS
select user_id, max(ts) as last_at from "main"."stg_events" where ts < TIMESTAMP '2024-01-16 00:00:00' group by all;
SELECT count(*) AS n FROM (SELECT "user_id" FROM "etl_stage__user_latest" GROUP BY "user_id" HAVING count(*) > 1);
SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "last_at", "user_id" FROM "etl_stage__user_latest") AS etl_row__;
CREATE SCHEMA IF NOT EXISTS "main";
CREATE TABLE "main"."user_latest" AS SELECT * FROM "etl_stage__user_latest" WITH NO DATA;
DELETE FROM "main"."user_latest" USING "etl_stage__user_latest" WHERE "main"."user_latest"."user_id" IS NOT DISTINCT FROM "etl_stage__user_latest"."user_id";
INSERT INTO "main"."user_latest" ("user_id", "last_at") SELECT "user_id", "last_at" FROM "etl_stage__user_latest";
SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "last_at", "user_id" FROM "main"."user_latest") AS etl_row__;
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq) VALUES
  ('user_latest', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', '3d5bdc0d53bb461b.c30868caa2f58205.1f4268f8edc9c454', 2, '332a3fd7b76acc7f', 'run-1', TIMESTAMP '2024-01-16 02:00:00', '03d936ea6115', TIMESTAMP '2024-01-15 00:00:00', NULL, false, nextval('etl_state.seq'));
INSERT INTO etl_state.models (model, materialized, fingerprint, row_count, run_id, built_at, content_hash, input_version, seq) VALUES ('user_latest', 'incremental', '3d5bdc0d53bb461b.c30868caa2f58205.1f4268f8edc9c454', 2, 'run-1', TIMESTAMP '2024-01-16 02:00:00', '332a3fd7b76acc7f', NULL, nextval('etl_state.seq'));
DROP TABLE "etl_stage__user_latest";
COMMIT;

-- second build: the tables exist now

BEGIN TRANSACTION;
CREATE TEMP TABLE "etl_stage__user_latest" AS
select user_id, max(ts) as last_at from "main"."stg_events" where ts < TIMESTAMP '2024-01-16 00:00:00' group by all;
SELECT count(*) AS n FROM (SELECT "user_id" FROM "etl_stage__user_latest" GROUP BY "user_id" HAVING count(*) > 1);
SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "last_at", "user_id" FROM "etl_stage__user_latest") AS etl_row__;
SELECT sum(hash(etl_row__)) AS h FROM (SELECT "last_at", "user_id" FROM "main"."user_latest" AS etl_t WHERE EXISTS (SELECT 1 FROM "etl_stage__user_latest" WHERE etl_t."user_id" IS NOT DISTINCT FROM "etl_stage__user_latest"."user_id")) AS etl_row__;
DELETE FROM "main"."user_latest" USING "etl_stage__user_latest" WHERE "main"."user_latest"."user_id" IS NOT DISTINCT FROM "etl_stage__user_latest"."user_id";
INSERT INTO "main"."user_latest" ("user_id", "last_at") SELECT "user_id", "last_at" FROM "etl_stage__user_latest";
SELECT sum(hash(etl_row__)) AS h FROM (SELECT "last_at", "user_id" FROM "main"."user_latest" AS etl_t WHERE EXISTS (SELECT 1 FROM "etl_stage__user_latest" WHERE etl_t."user_id" IS NOT DISTINCT FROM "etl_stage__user_latest"."user_id")) AS etl_row__;
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq) VALUES
  ('user_latest', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', '3d5bdc0d53bb461b.c30868caa2f58205.1f4268f8edc9c454', 2, '332a3fd7b76acc7f', 'run-2', TIMESTAMP '2024-01-16 02:00:00', '03d936ea6115', TIMESTAMP '2024-01-15 00:00:00', NULL, false, nextval('etl_state.seq'));
INSERT INTO etl_state.models (model, materialized, fingerprint, row_count, run_id, built_at, content_hash, input_version, seq) VALUES ('user_latest', 'incremental', '3d5bdc0d53bb461b.c30868caa2f58205.1f4268f8edc9c454', 2, 'run-2', TIMESTAMP '2024-01-16 02:00:00', '332a3fd7b76acc7f', NULL, nextval('etl_state.seq'));
DROP TABLE "etl_stage__user_latest";
COMMIT;
