-- begin
BEGIN TRANSACTION;
-- drop
DROP TABLE IF EXISTS "main"."daily_amounts__etl_refresh";
-- cleanup
DELETE FROM etl_state.refreshing WHERE model = 'daily_amounts';
-- commit
COMMIT;
