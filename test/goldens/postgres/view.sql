-- begin
BEGIN TRANSACTION;
-- lock
SELECT CASE WHEN bool_and(pg_try_advisory_xact_lock(etl_k.h)) THEN true ELSE etl_state.etl_raise('etl: held by another process') END FROM (VALUES (hashtextextended('"public"."stg_events"', 0))) AS etl_k(h);
-- claim
SELECT row_count, content_hash, run_id FROM etl_state.models AS b
WHERE b.model = 'stg_events' AND b.fingerprint = 'edeec878bd3d82ad.37e83cdeec20552f.e3b0c44298fc1c14'
  AND b.input_version = 'v1' AND b.seq > 0
  AND b.seq = (SELECT max(seq) FROM etl_state.models WHERE model = 'stg_events');
-- schema
CREATE SCHEMA IF NOT EXISTS "public";
-- create
CREATE VIEW "public"."stg_events" AS
select id, user_id, ts, amount from "public"."raw_events";
-- record
INSERT INTO etl_state.models (model, materialized, fingerprint, row_count, run_id, built_at, content_hash, input_version, seq) VALUES ('stg_events', 'view', 'edeec878bd3d82ad.37e83cdeec20552f.e3b0c44298fc1c14', 0, 'run-1', TIMESTAMP '2024-01-16 02:00:00', NULL, 'v1', nextval('etl_state.seq'));
-- commit
COMMIT;
