-- begin
BEGIN TRANSACTION;
-- lock
SELECT CASE WHEN bool_and(pg_try_advisory_xact_lock(etl_k.h)) THEN true ELSE etl_state.etl_raise('etl: held by another process') END FROM (VALUES (hashtextextended('"public"."users"', 0))) AS etl_k(h);
-- claim
SELECT row_count, content_hash, run_id FROM etl_state.models AS b
WHERE b.model = 'users' AND b.fingerprint = '598008eaecdaa828.891c6ba5e6747cd4.e64c14d60044095d'
  AND b.input_version = 'v1' AND b.seq > 0
  AND b.seq = (SELECT max(seq) FROM etl_state.models WHERE model = 'users');
-- schema
CREATE SCHEMA IF NOT EXISTS "public";
-- drop
DROP TABLE IF EXISTS "public"."users__etl_new";
-- create
CREATE TABLE "public"."users__etl_new" AS
select user_id, count(*) as events from "public"."stg_events" group by user_id;
-- swap
ALTER TABLE "public"."users__etl_new" RENAME TO "users";
-- record
INSERT INTO etl_state.models (model, materialized, fingerprint, row_count, run_id, built_at, content_hash, input_version, seq)
SELECT 'users', 'table', '598008eaecdaa828.891c6ba5e6747cd4.e64c14d60044095d', etl_s.n, 'run-1', TIMESTAMP '2024-01-16 02:00:00', lpad(to_hex((CASE WHEN (((((coalesce(etl_s.h, 0) + 13469985662202380855)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) >= 9223372036854775808::numeric THEN (((((coalesce(etl_s.h, 0) + 13469985662202380855)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) - 18446744073709551616::numeric ELSE (((((coalesce(etl_s.h, 0) + 13469985662202380855)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) END)::bigint), 16, '0'), 'v1', nextval('etl_state.seq')
FROM (SELECT count(*) AS n, sum(('x' || substr(md5((etl_row__)::text), 1, 16))::bit(64)::bigint::numeric) AS h FROM (SELECT "events", "user_id" FROM "public"."users") AS etl_row__) AS etl_s
RETURNING row_count, content_hash;
-- commit
COMMIT;
