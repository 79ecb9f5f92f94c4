BEGIN TRANSACTION;
CREATE SCHEMA IF NOT EXISTS "main";
DROP TABLE IF EXISTS "main"."raw_events__etl_new";
CREATE TABLE "main"."raw_events__etl_new" AS
SELECT * FROM read_csv('<project>/seeds/raw_events.csv', header = true, skip = 0, delim = ',', quote = '"', escape = '"', strict_mode = true, null_padding = false);
ALTER TABLE "main"."raw_events__etl_new" RENAME TO "raw_events";
DELETE FROM etl_state.seeds WHERE name = 'raw_events';
INSERT INTO etl_state.seeds (name, file_hash, fingerprint, row_count, run_id, loaded_at, seq)
SELECT 'raw_events', '03d8dff21ada56e1b545e255eb3c0810935bb2c350ebfcd2042e6d363e3bd799', '96f46f55666c839874267927a39784657c12163568e367f21d3eda8418703617', etl_s.n, 'run-1', TIMESTAMP '2024-01-16 02:00:00', nextval('etl_state.seq') FROM (SELECT count(*) AS n FROM "main"."raw_events") AS etl_s
RETURNING row_count;
COMMIT;

-- second build: the tables exist now
