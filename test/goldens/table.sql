BEGIN TRANSACTION;
CREATE SCHEMA IF NOT EXISTS "main";
DROP TABLE IF EXISTS "main"."users__etl_new";
CREATE TABLE "main"."users__etl_new" AS
select user_id, count(*) as events from "main"."stg_events" group by all;
ALTER TABLE "main"."users__etl_new" RENAME TO "users";
INSERT INTO etl_state.models (model, materialized, fingerprint, row_count, run_id, built_at, content_hash, input_version, seq)
SELECT 'users', 'table', '6dcfdbbd323e92e5.b36f457ae91ea2ef.1f4268f8edc9c454', etl_s.n, 'run-1', TIMESTAMP '2024-01-16 02:00:00', lower(lpad(to_hex(((((coalesce(etl_s.h, 0) + 13469985662202380855)::HUGEINT % 18446744073709551616::HUGEINT) + 18446744073709551616::HUGEINT) % 18446744073709551616::HUGEINT)::UBIGINT), 16, '0')), '04fd68c3fc172e4fb91cd08138c153f9', nextval('etl_state.seq')
FROM (SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "events", "user_id" FROM "main"."users") AS etl_row__) AS etl_s
RETURNING row_count, content_hash;
COMMIT;

-- second build: the tables exist now

BEGIN TRANSACTION;
CREATE SCHEMA IF NOT EXISTS "main";
DROP TABLE IF EXISTS "main"."users__etl_new";
CREATE TABLE "main"."users__etl_new" AS
select user_id, count(*) as events from "main"."stg_events" group by all;
DROP TABLE "main"."users";
ALTER TABLE "main"."users__etl_new" RENAME TO "users";
INSERT INTO etl_state.models (model, materialized, fingerprint, row_count, run_id, built_at, content_hash, input_version, seq)
SELECT 'users', 'table', '6dcfdbbd323e92e5.b36f457ae91ea2ef.1f4268f8edc9c454', etl_s.n, 'run-2', TIMESTAMP '2024-01-16 02:00:00', lower(lpad(to_hex(((((coalesce(etl_s.h, 0) + 13469985662202380855)::HUGEINT % 18446744073709551616::HUGEINT) + 18446744073709551616::HUGEINT) % 18446744073709551616::HUGEINT)::UBIGINT), 16, '0')), '04fd68c3fc172e4fb91cd08138c153f9', nextval('etl_state.seq')
FROM (SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "events", "user_id" FROM "main"."users") AS etl_row__) AS etl_s
RETURNING row_count, content_hash;
COMMIT;
