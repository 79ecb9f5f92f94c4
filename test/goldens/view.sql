BEGIN TRANSACTION;
CREATE SCHEMA IF NOT EXISTS "main";
CREATE OR REPLACE VIEW "main"."stg_events" AS
select id, user_id, ts, amount from "main"."raw_events";
INSERT INTO etl_state.models (model, materialized, fingerprint, row_count, run_id, built_at, content_hash, input_version, seq) VALUES ('stg_events', 'view', '0b771b5830fe8494.5b30888fd5d99497.e3b0c44298fc1c14', 0, 'run-1', TIMESTAMP '2024-01-16 02:00:00', NULL, '4a354f92b365fdf45ca7ea3e4c52cdc5', nextval('etl_state.seq'));
COMMIT;

BEGIN TRANSACTION;
CREATE SCHEMA IF NOT EXISTS "main";
CREATE TABLE "main"."daily_amounts" AS SELECT "day", "amount" FROM (
select ts::date as day, sum(amount) as amount
from "main"."stg_events"
where ts >= TIMESTAMP '2024-01-15 00:00:00' and ts < TIMESTAMP '2024-01-16 00:00:00'
group by all
) AS etl_q LIMIT 0;
DELETE FROM "main"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00';
INSERT INTO "main"."daily_amounts" ("day", "amount") SELECT "day", "amount" FROM (
select ts::date as day, sum(amount) as amount
from "main"."stg_events"
where ts >= TIMESTAMP '2024-01-15 00:00:00' and ts < TIMESTAMP '2024-01-16 00:00:00'
group by all
) AS etl_q
WHERE CASE WHEN etl_q."day" >= TIMESTAMP '2024-01-15 00:00:00' AND etl_q."day" < TIMESTAMP '2024-01-16 00:00:00' THEN true ELSE error('etl: a row outside the window') END;
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq)
SELECT 'daily_amounts', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', '9a43272b698755a1.96a27c5975d6c8f9.1f4268f8edc9c454', etl_s.n, lower(lpad(to_hex(((((coalesce(etl_s.h, 0) + 11912561754340888181)::HUGEINT % 18446744073709551616::HUGEINT) + 18446744073709551616::HUGEINT) % 18446744073709551616::HUGEINT)::UBIGINT), 16, '0')), 'run-1', TIMESTAMP '2024-01-16 02:00:00', '03d936ea6115', TIMESTAMP '2024-01-15 00:00:00', CAST(NULL AS VARCHAR), false, nextval('etl_state.seq')
FROM (SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "amount", "day" FROM "main"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00') AS etl_row__) AS etl_s
RETURNING epoch_ms(window_start) AS w, row_count, content_hash;
COMMIT;

BEGIN TRANSACTION;
CREATE TEMP TABLE "etl_stage__user_latest" AS
select user_id, max(ts) as last_at from "main"."stg_events" where ts < TIMESTAMP '2024-01-16 00:00:00' group by all;
SELECT count(*) AS n FROM (SELECT "user_id" FROM "etl_stage__user_latest" GROUP BY "user_id" HAVING count(*) > 1) AS etl_d;
CREATE SCHEMA IF NOT EXISTS "main";
CREATE TABLE "main"."user_latest" AS SELECT * FROM "etl_stage__user_latest" WITH NO DATA;
CREATE TEMP TABLE "etl_hash__user_latest" AS SELECT (SELECT count(*) FROM "etl_stage__user_latest") AS n, NULL AS replaced;
DELETE FROM "main"."user_latest" USING "etl_stage__user_latest" WHERE "main"."user_latest"."user_id" IS NOT DISTINCT FROM "etl_stage__user_latest"."user_id";
INSERT INTO "main"."user_latest" ("user_id", "last_at") SELECT "user_id", "last_at" FROM "etl_stage__user_latest";
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq)
SELECT 'user_latest', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', '3d5bdc0d53bb461b.c30868caa2f58205.1f4268f8edc9c454', etl_s.n, lower(lpad(to_hex(((((coalesce(etl_s.h, 0) + 17835876483106632902)::HUGEINT % 18446744073709551616::HUGEINT) + 18446744073709551616::HUGEINT) % 18446744073709551616::HUGEINT)::UBIGINT), 16, '0')), 'run-1', TIMESTAMP '2024-01-16 02:00:00', '03d936ea6115', TIMESTAMP '2024-01-15 00:00:00', CAST(NULL AS VARCHAR), false, nextval('etl_state.seq')
FROM (SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "last_at", "user_id" FROM "etl_stage__user_latest") AS etl_row__) AS etl_s
RETURNING epoch_ms(window_start) AS w, row_count, content_hash;
INSERT INTO etl_state.models (model, materialized, fingerprint, row_count, run_id, built_at, content_hash, input_version, seq)
SELECT 'user_latest', 'incremental', '3d5bdc0d53bb461b.c30868caa2f58205.1f4268f8edc9c454', etl_h.n, 'run-1', TIMESTAMP '2024-01-16 02:00:00', lower(lpad(to_hex(((((coalesce((SELECT sum(hash(etl_row__)) FROM (SELECT "last_at", "user_id" FROM "main"."user_latest") AS etl_row__), 0) + 17835876483106632902)::HUGEINT % 18446744073709551616::HUGEINT) + 18446744073709551616::HUGEINT) % 18446744073709551616::HUGEINT)::UBIGINT), 16, '0')), CAST(NULL AS VARCHAR), nextval('etl_state.seq')
FROM "etl_hash__user_latest" AS etl_h
RETURNING row_count, content_hash;
DROP TABLE "etl_stage__user_latest";
DROP TABLE "etl_hash__user_latest";
COMMIT;

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
CREATE OR REPLACE VIEW "main"."stg_events" AS
select id, user_id, ts, amount from "main"."raw_events";
INSERT INTO etl_state.models (model, materialized, fingerprint, row_count, run_id, built_at, content_hash, input_version, seq) VALUES ('stg_events', 'view', '0b771b5830fe8494.5b30888fd5d99497.e3b0c44298fc1c14', 0, 'run-2', TIMESTAMP '2024-01-16 02:00:00', NULL, '4a354f92b365fdf45ca7ea3e4c52cdc5', nextval('etl_state.seq'));
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
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq)
SELECT 'daily_amounts', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', '9a43272b698755a1.96a27c5975d6c8f9.1f4268f8edc9c454', etl_s.n, lower(lpad(to_hex(((((coalesce(etl_s.h, 0) + 11912561754340888181)::HUGEINT % 18446744073709551616::HUGEINT) + 18446744073709551616::HUGEINT) % 18446744073709551616::HUGEINT)::UBIGINT), 16, '0')), 'run-2', TIMESTAMP '2024-01-16 02:00:00', '03d936ea6115', TIMESTAMP '2024-01-15 00:00:00', CAST(NULL AS VARCHAR), false, nextval('etl_state.seq')
FROM (SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "amount", "day" FROM "main"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-15 00:00:00' AND "day" < TIMESTAMP '2024-01-16 00:00:00') AS etl_row__) AS etl_s
RETURNING epoch_ms(window_start) AS w, row_count, content_hash;
COMMIT;

BEGIN TRANSACTION;
CREATE TEMP TABLE "etl_stage__user_latest" AS
select user_id, max(ts) as last_at from "main"."stg_events" where ts < TIMESTAMP '2024-01-16 00:00:00' group by all;
SELECT count(*) AS n FROM (SELECT "user_id" FROM "etl_stage__user_latest" GROUP BY "user_id" HAVING count(*) > 1) AS etl_d;
CREATE TEMP TABLE "etl_hash__user_latest" AS SELECT (SELECT count(*) FROM "etl_stage__user_latest") AS n, (SELECT sum(hash(etl_row__)) FROM (SELECT "last_at", "user_id" FROM "main"."user_latest" AS etl_t WHERE EXISTS (SELECT 1 FROM "etl_stage__user_latest" WHERE etl_t."user_id" IS NOT DISTINCT FROM "etl_stage__user_latest"."user_id")) AS etl_row__) AS replaced;
DELETE FROM "main"."user_latest" USING "etl_stage__user_latest" WHERE "main"."user_latest"."user_id" IS NOT DISTINCT FROM "etl_stage__user_latest"."user_id";
INSERT INTO "main"."user_latest" ("user_id", "last_at") SELECT "user_id", "last_at" FROM "etl_stage__user_latest";
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq)
SELECT 'user_latest', TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', '3d5bdc0d53bb461b.c30868caa2f58205.1f4268f8edc9c454', etl_s.n, lower(lpad(to_hex(((((coalesce(etl_s.h, 0) + 17835876483106632902)::HUGEINT % 18446744073709551616::HUGEINT) + 18446744073709551616::HUGEINT) % 18446744073709551616::HUGEINT)::UBIGINT), 16, '0')), 'run-2', TIMESTAMP '2024-01-16 02:00:00', '03d936ea6115', TIMESTAMP '2024-01-15 00:00:00', CAST(NULL AS VARCHAR), false, nextval('etl_state.seq')
FROM (SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "last_at", "user_id" FROM "etl_stage__user_latest") AS etl_row__) AS etl_s
RETURNING epoch_ms(window_start) AS w, row_count, content_hash;
INSERT INTO etl_state.models (model, materialized, fingerprint, row_count, run_id, built_at, content_hash, input_version, seq)
SELECT 'user_latest', 'incremental', '3d5bdc0d53bb461b.c30868caa2f58205.1f4268f8edc9c454', etl_h.n, 'run-2', TIMESTAMP '2024-01-16 02:00:00', lower(lpad(to_hex(((((3686829440683920511 - coalesce(etl_h.replaced, 0) + coalesce((SELECT sum(hash(etl_row__)) FROM (SELECT "last_at", "user_id" FROM "main"."user_latest" AS etl_t WHERE EXISTS (SELECT 1 FROM "etl_stage__user_latest" WHERE etl_t."user_id" IS NOT DISTINCT FROM "etl_stage__user_latest"."user_id")) AS etl_row__), 0))::HUGEINT % 18446744073709551616::HUGEINT) + 18446744073709551616::HUGEINT) % 18446744073709551616::HUGEINT)::UBIGINT), 16, '0')), CAST(NULL AS VARCHAR), nextval('etl_state.seq')
FROM "etl_hash__user_latest" AS etl_h
RETURNING row_count, content_hash;
DROP TABLE "etl_stage__user_latest";
DROP TABLE "etl_hash__user_latest";
COMMIT;

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
