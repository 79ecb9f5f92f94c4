-- begin
BEGIN TRANSACTION;
-- schema
CREATE SCHEMA IF NOT EXISTS "main";
-- drop
DROP TABLE IF EXISTS "main"."users__etl_new";
-- create
CREATE TABLE "main"."users__etl_new" AS
select user_id, count(*) as events from "main"."stg_events" group by user_id;
-- swap
ALTER TABLE "main"."users__etl_new" RENAME TO "users";
-- record
INSERT INTO etl_state.models (model, materialized, fingerprint, row_count, run_id, built_at, content_hash, input_version, seq)
SELECT 'users', 'table', '7ceca87c5e44b1e2.b36f457ae91ea2ef.1f4268f8edc9c454', etl_s.n, 'run-1', TIMESTAMP '2024-01-16 02:00:00', lower(lpad(to_hex(((((coalesce(etl_s.h, 0) + 13469985662202380855)::HUGEINT % 18446744073709551616::HUGEINT) + 18446744073709551616::HUGEINT) % 18446744073709551616::HUGEINT)::UBIGINT), 16, '0')), 'v1', nextval('etl_state.seq')
FROM (SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "events", "user_id" FROM "main"."users") AS etl_row__) AS etl_s
RETURNING row_count, content_hash;
-- commit
COMMIT;
