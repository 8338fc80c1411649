-- The unbilled work of the as-of month is exactly what reconciliation
-- reports as unbilled on the as-of day (same items, same amounts), when
-- the as-of month is a reported month (KPI months start with the first
-- issued invoice).
WITH m AS (
    SELECT kind, source_id, amount FROM marts.wip_month_end
    WHERE month = date_trunc('month', staging.setting('as_of')::DATE)
),
r AS (
    SELECT kind, source_id, amount FROM reconcile.unbilled_work
)
SELECT coalesce(m.kind, r.kind) AS kind, coalesce(m.source_id, r.source_id) AS source_id, m.amount AS mart_amount, r.amount AS unbilled_amount
FROM m FULL JOIN r USING (kind, source_id)
WHERE m.amount IS DISTINCT FROM r.amount
  AND EXISTS (SELECT 1 FROM marts.months WHERE month = date_trunc('month', staging.setting('as_of')::DATE));
