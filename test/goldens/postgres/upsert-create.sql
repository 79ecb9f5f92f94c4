-- begin
BEGIN TRANSACTION;
-- lock
SELECT CASE WHEN bool_and(pg_try_advisory_xact_lock(etl_k.h)) THEN true ELSE etl_state.etl_raise('etl: held by another process') END FROM (VALUES (hashtextextended('"public"."user_latest"', 0))) AS etl_k(h);
-- claim
SELECT (extract(epoch from p.window_start) * 1000)::bigint AS w, p.row_count, p.content_hash, p."partial", p.run_id, (SELECT content_hash FROM etl_state.models WHERE model = 'user_latest' ORDER BY seq DESC LIMIT 1) AS whole
FROM etl_state.partitions AS p
JOIN (VALUES (TIMESTAMP '2024-01-15 00:00:00', 0, 'v1')) AS etl_c(s, seen, iv) ON p.window_start = etl_c.s
WHERE p.model = 'user_latest' AND p.fingerprint = 'e2b661b56e17fec1.67c09f2b68d59778.e64c14d60044095d'
  AND p.seq > etl_c.seen AND p.input_version = etl_c.iv
  AND p.seq = (SELECT max(q.seq) FROM etl_state.partitions AS q WHERE q.model = p.model AND q.window_start = p.window_start);
-- stage
CREATE TEMP TABLE "etl_stage__user_latest" AS
select user_id, max(ts) as last_at from "public"."stg_events" where ts < TIMESTAMP '2024-01-16 00:00:00' group by user_id;
-- check
SELECT count(*) AS n FROM (SELECT "user_id" FROM "etl_stage__user_latest" GROUP BY "user_id" HAVING count(*) > 1) AS etl_d;
-- schema
CREATE SCHEMA IF NOT EXISTS "public";
-- create
CREATE TABLE "public"."user_latest" AS SELECT * FROM "etl_stage__user_latest" WITH NO DATA;
-- create
CREATE INDEX ON "public"."user_latest" ("user_id");
-- hash
CREATE TEMP TABLE "etl_hash__user_latest" AS SELECT (SELECT count(*) FROM "etl_stage__user_latest") AS n, NULL AS replaced;
-- delete
DELETE FROM "public"."user_latest" USING "etl_stage__user_latest" WHERE "public"."user_latest"."user_id" IS NOT DISTINCT FROM "etl_stage__user_latest"."user_id";
-- insert
INSERT INTO "public"."user_latest" ("user_id", "last_at") SELECT "user_id", "last_at" FROM "etl_stage__user_latest";
-- ledger
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq)
SELECT 'user_latest', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', 'e2b661b56e17fec1.67c09f2b68d59778.e64c14d60044095d', etl_s.n, lpad(to_hex((CASE WHEN (((((coalesce(etl_s.h, 0) + 17835876483106632902)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) >= 9223372036854775808::numeric THEN (((((coalesce(etl_s.h, 0) + 17835876483106632902)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) - 18446744073709551616::numeric ELSE (((((coalesce(etl_s.h, 0) + 17835876483106632902)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) END)::bigint), 16, '0'), 'run-1', TIMESTAMP '2024-01-16 02:00:00', 'v1', TIMESTAMP '2024-01-15 00:00:00', CAST(NULL AS VARCHAR), false, nextval('etl_state.seq')
FROM (SELECT count(*) AS n, sum(('x' || substr(md5((etl_row__)::text), 1, 16))::bit(64)::bigint::numeric) AS h FROM (SELECT "last_at", "user_id" FROM "etl_stage__user_latest") AS etl_row__) AS etl_s
RETURNING (extract(epoch from window_start) * 1000)::bigint AS w, row_count, content_hash;
-- record
INSERT INTO etl_state.models (model, materialized, fingerprint, row_count, run_id, built_at, content_hash, input_version, seq)
SELECT 'user_latest', 'incremental', 'e2b661b56e17fec1.67c09f2b68d59778.e64c14d60044095d', etl_h.n, 'run-1', TIMESTAMP '2024-01-16 02:00:00', lpad(to_hex((CASE WHEN (((((coalesce((SELECT sum(('x' || substr(md5((etl_row__)::text), 1, 16))::bit(64)::bigint::numeric) FROM (SELECT "last_at", "user_id" FROM "public"."user_latest") AS etl_row__), 0) + 17835876483106632902)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) >= 9223372036854775808::numeric THEN (((((coalesce((SELECT sum(('x' || substr(md5((etl_row__)::text), 1, 16))::bit(64)::bigint::numeric) FROM (SELECT "last_at", "user_id" FROM "public"."user_latest") AS etl_row__), 0) + 17835876483106632902)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) - 18446744073709551616::numeric ELSE (((((coalesce((SELECT sum(('x' || substr(md5((etl_row__)::text), 1, 16))::bit(64)::bigint::numeric) FROM (SELECT "last_at", "user_id" FROM "public"."user_latest") AS etl_row__), 0) + 17835876483106632902)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) END)::bigint), 16, '0'), CAST(NULL AS VARCHAR), nextval('etl_state.seq')
FROM "etl_hash__user_latest" AS etl_h
RETURNING row_count, content_hash;
-- cleanup
DROP TABLE "etl_stage__user_latest";
-- cleanup
DROP TABLE "etl_hash__user_latest";
-- commit
COMMIT;
