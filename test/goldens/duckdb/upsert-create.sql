-- begin
BEGIN TRANSACTION;
-- stage
CREATE TEMP TABLE "etl_stage__user_latest" AS
select user_id, max(ts) as last_at from "main"."stg_events" where ts < TIMESTAMP '2024-01-16 00:00:00' group by user_id;
-- check
SELECT count(*) AS n FROM (SELECT "user_id" FROM "etl_stage__user_latest" GROUP BY "user_id" HAVING count(*) > 1) AS etl_d;
-- schema
CREATE SCHEMA IF NOT EXISTS "main";
-- create
CREATE TABLE "main"."user_latest" AS SELECT * FROM "etl_stage__user_latest" WITH NO DATA;
-- hash
CREATE TEMP TABLE "etl_hash__user_latest" AS SELECT (SELECT count(*) FROM "etl_stage__user_latest") AS n, NULL AS replaced;
-- delete
DELETE FROM "main"."user_latest" USING "etl_stage__user_latest" WHERE "main"."user_latest"."user_id" IS NOT DISTINCT FROM "etl_stage__user_latest"."user_id";
-- insert
INSERT INTO "main"."user_latest" ("user_id", "last_at") SELECT "user_id", "last_at" FROM "etl_stage__user_latest";
-- ledger
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq)
SELECT 'user_latest', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', 'e45dd856dd8385e6.c30868caa2f58205.1f4268f8edc9c454', etl_s.n, lower(lpad(to_hex(((((coalesce(etl_s.h, 0) + 17835876483106632902)::HUGEINT % 18446744073709551616::HUGEINT) + 18446744073709551616::HUGEINT) % 18446744073709551616::HUGEINT)::UBIGINT), 16, '0')), 'run-1', TIMESTAMP '2024-01-16 02:00:00', 'v1', TIMESTAMP '2024-01-15 00:00:00', CAST(NULL AS VARCHAR), false, nextval('etl_state.seq')
FROM (SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "last_at", "user_id" FROM "etl_stage__user_latest") AS etl_row__) AS etl_s
RETURNING epoch_ms(window_start) AS w, row_count, content_hash;
-- record
INSERT INTO etl_state.models (model, materialized, fingerprint, row_count, run_id, built_at, content_hash, input_version, seq)
SELECT 'user_latest', 'incremental', 'e45dd856dd8385e6.c30868caa2f58205.1f4268f8edc9c454', etl_h.n, 'run-1', TIMESTAMP '2024-01-16 02:00:00', lower(lpad(to_hex(((((coalesce((SELECT sum(hash(etl_row__)) FROM (SELECT "last_at", "user_id" FROM "main"."user_latest") AS etl_row__), 0) + 17835876483106632902)::HUGEINT % 18446744073709551616::HUGEINT) + 18446744073709551616::HUGEINT) % 18446744073709551616::HUGEINT)::UBIGINT), 16, '0')), CAST(NULL AS VARCHAR), nextval('etl_state.seq')
FROM "etl_hash__user_latest" AS etl_h
RETURNING row_count, content_hash;
-- cleanup
DROP TABLE "etl_stage__user_latest";
-- cleanup
DROP TABLE "etl_hash__user_latest";
-- commit
COMMIT;
