-- begin
BEGIN TRANSACTION;
-- schema
CREATE SCHEMA IF NOT EXISTS "main";
-- create
CREATE OR REPLACE VIEW "main"."stg_events" AS
select id, user_id, ts, amount from "main"."raw_events";
-- record
INSERT INTO etl_state.models (model, materialized, fingerprint, row_count, run_id, built_at, content_hash, input_version, seq) VALUES ('stg_events', 'view', '0b771b5830fe8494.5b30888fd5d99497.e3b0c44298fc1c14', 0, 'run-1', TIMESTAMP '2024-01-16 02:00:00', NULL, 'v1', nextval('etl_state.seq'));
-- commit
COMMIT;
