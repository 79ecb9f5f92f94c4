-- begin
BEGIN TRANSACTION;
-- lock
SELECT CASE WHEN bool_and(pg_try_advisory_xact_lock(etl_k.h)) THEN true ELSE etl_state.etl_raise('etl: held by another process') END FROM (VALUES (hashtextextended('"public"."daily_amounts"@1705190400000', 0)), (hashtextextended('"public"."daily_amounts"@1705276800000', 0)), (hashtextextended('"public"."daily_amounts"@1705363200000', 0))) AS etl_k(h);
-- claim
SELECT (extract(epoch from p.window_start) * 1000)::bigint AS w, p.row_count, p.content_hash, p."partial", p.run_id
FROM etl_state.partitions AS p
JOIN (VALUES (TIMESTAMP '2024-01-14 00:00:00', 0, 'v1'), (TIMESTAMP '2024-01-15 00:00:00', 0, 'v1'), (TIMESTAMP '2024-01-16 00:00:00', 0, 'v1')) AS etl_c(s, seen, iv) ON p.window_start = etl_c.s
WHERE p.model = 'daily_amounts' AND p.fingerprint = '461b61c999a79699.96c2c9a49b259871.e64c14d60044095d'
  AND p.seq > etl_c.seen AND p.input_version = etl_c.iv
  AND p.seq = (SELECT max(q.seq) FROM etl_state.partitions AS q WHERE q.model = p.model AND q.window_start = p.window_start);
-- delete
DELETE FROM "public"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-14 00:00:00' AND "day" < TIMESTAMP '2024-01-17 00:00:00';
-- insert
INSERT INTO "public"."daily_amounts" ("day", "amount") SELECT "day", "amount" FROM (
select ts::date as day, sum(amount) as amount
from "public"."stg_events"
where ts >= TIMESTAMP '2024-01-14 00:00:00' and ts < TIMESTAMP '2024-01-17 00:00:00'
group by 1
) AS etl_q
WHERE CASE WHEN etl_q."day" >= TIMESTAMP '2024-01-14 00:00:00' AND etl_q."day" < TIMESTAMP '2024-01-17 00:00:00' THEN true ELSE etl_state.etl_raise('etl: a row outside the window') END;
-- ledger
INSERT INTO etl_state.partitions (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq)
SELECT 'daily_amounts', etl_w.s, etl_w.e, '461b61c999a79699.96c2c9a49b259871.e64c14d60044095d', coalesce(etl_s.n, 0), lpad(to_hex((CASE WHEN (((((coalesce(etl_s.h, 0) + 11912561754340888181)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) >= 9223372036854775808::numeric THEN (((((coalesce(etl_s.h, 0) + 11912561754340888181)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) - 18446744073709551616::numeric ELSE (((((coalesce(etl_s.h, 0) + 11912561754340888181)::numeric % 18446744073709551616::numeric) + 18446744073709551616::numeric) % 18446744073709551616::numeric)) END)::bigint), 16, '0'), 'run-1', TIMESTAMP '2024-01-16 02:00:00', etl_w.iv, etl_w.istart, etl_w.part, false, nextval('etl_state.seq')
FROM (VALUES
  (TIMESTAMP '2024-01-14 00:00:00', TIMESTAMP '2024-01-15 00:00:00', 'v1', TIMESTAMP '2024-01-14 00:00:00', CAST(NULL AS VARCHAR)),
  (TIMESTAMP '2024-01-15 00:00:00', TIMESTAMP '2024-01-16 00:00:00', 'v1', TIMESTAMP '2024-01-15 00:00:00', CAST(NULL AS VARCHAR)),
  (TIMESTAMP '2024-01-16 00:00:00', TIMESTAMP '2024-01-17 00:00:00', 'v1', TIMESTAMP '2024-01-16 00:00:00', CAST(NULL AS VARCHAR))) AS etl_w(s, e, iv, istart, part)
LEFT JOIN (SELECT (extract(epoch from date_trunc('day', ("day")::timestamp)) * 1000)::bigint AS k, count(*) AS n, sum(('x' || substr(md5((etl_row__)::text), 1, 16))::bit(64)::bigint::numeric) AS h FROM (SELECT "amount", "day" FROM "public"."daily_amounts" WHERE "day" >= TIMESTAMP '2024-01-14 00:00:00' AND "day" < TIMESTAMP '2024-01-17 00:00:00') AS etl_row__ GROUP BY 1) AS etl_s ON etl_s.k = (extract(epoch from etl_w.s) * 1000)::bigint
ORDER BY etl_w.s
RETURNING (extract(epoch from window_start) * 1000)::bigint AS w, row_count, content_hash;
-- commit
COMMIT;
