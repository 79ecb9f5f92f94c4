-- begin
BEGIN TRANSACTION;
-- lock
SELECT pg_advisory_xact_lock(hashtextextended('"public"."daily_amounts__etl_refresh"', 0));
-- drop
DROP TABLE IF EXISTS "public"."daily_amounts__etl_refresh";
-- cleanup
DELETE FROM etl_state.refreshing WHERE model = 'daily_amounts';
-- commit
COMMIT;
