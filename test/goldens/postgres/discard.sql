-- begin
BEGIN TRANSACTION;
-- lock
SELECT count(pg_advisory_xact_lock(etl_k.h)) FROM (SELECT h FROM (VALUES (hashtextextended('"public"."daily_amounts__etl_refresh"', 0))) AS etl_v(h) ORDER BY h) AS etl_k;
-- drop
DROP TABLE IF EXISTS "public"."daily_amounts__etl_refresh";
-- cleanup
DELETE FROM etl_state.refreshing WHERE model = 'daily_amounts';
-- commit
COMMIT;
