-- begin
BEGIN TRANSACTION;
-- drop
DROP TABLE "main"."daily_amounts";
-- swap
ALTER TABLE "main"."daily_amounts__etl_refresh" RENAME TO "daily_amounts";
-- delete
DELETE FROM etl_state.partitions WHERE model = 'daily_amounts' AND window_start NOT IN (SELECT window_start FROM etl_state.refreshing WHERE model = 'daily_amounts');
-- ledger
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq)
SELECT model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, nextval('etl_state.seq')
FROM (SELECT * FROM (SELECT * FROM etl_state.refreshing WHERE model = 'daily_amounts') QUALIFY row_number() OVER (PARTITION BY window_start ORDER BY seq DESC) = 1) AS etl_n ORDER BY window_start
RETURNING epoch_ms(window_start) AS w, epoch_ms(window_end) AS e, row_count, content_hash, "partial";
-- cleanup
DELETE FROM etl_state.refreshing WHERE model = 'daily_amounts';
-- hash
SELECT etl_s.n AS row_count, lower(lpad(to_hex(((((coalesce(etl_s.h, 0) + 11912561754340888181)::HUGEINT % 18446744073709551616::HUGEINT) + 18446744073709551616::HUGEINT) % 18446744073709551616::HUGEINT)::UBIGINT), 16, '0')) AS content_hash FROM (SELECT count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "amount", "day" FROM "main"."daily_amounts") AS etl_row__) AS etl_s;
-- commit
COMMIT;
