-- begin
BEGIN TRANSACTION;
-- lock
SELECT count(pg_advisory_xact_lock(etl_k.h)) FROM (SELECT h FROM (VALUES (hashtextextended('"public"."daily_amounts"', 0))) AS etl_v(h) ORDER BY h) AS etl_k;
-- drop
SELECT etl_state.etl_drop('"public"."daily_amounts"'::regclass, 'TABLE');
-- swap
ALTER TABLE "public"."daily_amounts__etl_refresh" RENAME TO "daily_amounts";
-- swap
SELECT etl_state.etl_restore();
-- delete
DELETE FROM etl_state.partitions WHERE model = 'daily_amounts' AND window_start NOT IN (SELECT window_start FROM etl_state.refreshing WHERE model = 'daily_amounts');
-- ledger
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq)
SELECT model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, nextval('etl_state.seq')
FROM (SELECT DISTINCT ON (window_start) * FROM (SELECT * FROM etl_state.refreshing WHERE model = 'daily_amounts') AS etl_n ORDER BY window_start, seq DESC) AS etl_n ORDER BY window_start
RETURNING (extract(epoch from window_start) * 1000)::bigint AS w, (extract(epoch from window_end) * 1000)::bigint AS e, row_count, content_hash, "partial";
-- cleanup
DELETE FROM etl_state.refreshing WHERE model = 'daily_amounts';
-- hash
SELECT etl_s.n AS row_count, lpad(to_hex((CASE WHEN (((((coalesce(etl_s.h, 0) + 11912561754340888181)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) >= 9223372036854775808::numeric THEN (((((coalesce(etl_s.h, 0) + 11912561754340888181)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) - 18446744073709551616::numeric ELSE (((((coalesce(etl_s.h, 0) + 11912561754340888181)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) END)::bigint), 16, '0') AS content_hash FROM (SELECT count(*) AS n, sum(('x' || substr(md5((etl_row__)::text), 1, 16))::bit(64)::bigint::numeric) AS h FROM (SELECT "amount", "day" FROM "public"."daily_amounts") AS etl_row__) AS etl_s;
-- commit
COMMIT;
