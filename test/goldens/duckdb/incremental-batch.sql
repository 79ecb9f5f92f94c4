-- begin
BEGIN TRANSACTION;
-- delete
DELETE FROM "main"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-14 00:00:00' AND "day" < TIMESTAMP '2024-01-17 00:00:00';
-- insert
INSERT INTO "main"."daily_amounts" ("day", "amount") SELECT "day", "amount" FROM (
select ts::date as day, sum(amount) as amount
from "main"."stg_events"
where ts >= TIMESTAMP '2024-01-14 00:00:00' and ts < TIMESTAMP '2024-01-17 00:00:00'
group by 1
) AS etl_q
WHERE CASE WHEN etl_q."day" >= TIMESTAMP '2024-01-14 00:00:00' AND etl_q."day" < TIMESTAMP '2024-01-17 00:00:00' THEN true ELSE error('etl: a row outside the window') END;
-- ledger
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq)
SELECT 'daily_amounts', etl_w.s, etl_w.e, '213ebb217fee8594.96a27c5975d6c8f9.1f4268f8edc9c454', coalesce(etl_s.n, 0), lower(lpad(to_hex(((((coalesce(etl_s.h, 0) + 11912561754340888181)::HUGEINT % 18446744073709551616::HUGEINT) + 18446744073709551616::HUGEINT) % 18446744073709551616::HUGEINT)::UBIGINT), 16, '0')), 'run-1', TIMESTAMP '2024-01-16 02:00:00', etl_w.iv, etl_w.istart, etl_w.part, false, nextval('etl_state.seq')
FROM (SELECT epoch_ms(l[1]::BIGINT) AS s, epoch_ms(l[2]::BIGINT) AS e, nullif(l[3], '') AS iv, epoch_ms(nullif(l[4], '')::BIGINT) AS istart, nullif(l[5], '') AS part
FROM (SELECT string_split(unnest(string_split('1705190400000|1705276800000|v1|1705190400000|
1705276800000|1705363200000|v1|1705276800000|
1705363200000|1705449600000|v1|1705363200000|', chr(10))), '|') AS l)) AS etl_w
LEFT JOIN (SELECT epoch_ms(date_trunc('day', "day"::TIMESTAMP)) AS k, count(*) AS n, sum(hash(etl_row__)) AS h FROM (SELECT "amount", "day" FROM "main"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-14 00:00:00' AND "day" < TIMESTAMP '2024-01-17 00:00:00') AS etl_row__ GROUP BY 1) AS etl_s ON etl_s.k = epoch_ms(etl_w.s)
ORDER BY etl_w.s
RETURNING epoch_ms(window_start) AS w, row_count, content_hash;
-- commit
COMMIT;
