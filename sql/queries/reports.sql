-- Queries of the monthly pack (reports/packload.go).

-- name: reports_unbilled
-- The unbilled work at the as-of day $1 (YYYY-MM-DD) by customer,
-- currency, project and work date: the blocks the workbooks total. Read
-- row by row into the workbook, never held whole; the decimals stay
-- decimals, which keeps the sorted rows narrow.
SELECT kind, source_id, coalesce(customer_id, ''), coalesce(customer, ''), coalesce(project_code, ''), coalesce(project, ''),
       work_date, hours, rate, amount, currency, age_days
FROM reconcile.unbilled_as_of($1::DATE)
ORDER BY customer NULLS LAST, customer_id NULLS LAST, currency, project, work_date, kind, source_id;

-- name: reports_top_unbilled
-- The $3 largest unbilled items at the as-of day $1 by their value in the
-- base currency at the rate of the month $2 (YYYY-MM-DD, its first day),
-- valued as marts.wip_month_end values them. Items whose currency has no
-- rate cannot be ranked and are left out.
SELECT u.kind, u.source_id, coalesce(u.customer_id, ''), coalesce(u.customer, ''), coalesce(u.project_code, ''),
       coalesce(u.project, ''), u.work_date, u.hours, u.rate, u.amount, u.currency, u.age_days,
       marts.to_base(u.amount, fx.rate)::DECIMAL(18,2)::VARCHAR AS amount_base
FROM reconcile.unbilled_as_of($1::DATE) u
JOIN marts.fx_month_end fx ON fx.month = $2::DATE AND fx.currency = u.currency
WHERE fx.rate IS NOT NULL
ORDER BY marts.to_base(u.amount, fx.rate) DESC, u.work_date, u.kind, u.source_id
LIMIT $3;

-- name: reports_billing_run
-- The latest billing run of the period $1 (YYYY-MM) that is not discarded.
SELECT run_id FROM billing.runs
WHERE period = $1 AND status <> 'discarded'
ORDER BY created_at DESC, run_id DESC
LIMIT 1;

-- name: reports_receivables
-- The documents open at the end of the month $1 (its first day), as the
-- receivables KPIs count them (marts.ar_month_end).
SELECT coalesce(customer, ''), number, kind, issue_date, due_date, coalesce(days_past_due, 0), aging_bucket, currency,
       gross::VARCHAR, open_amount::VARCHAR, open_base::VARCHAR
FROM marts.ar_month_end
WHERE month = $1::DATE
ORDER BY CASE aging_bucket WHEN 'over_90' THEN 0 WHEN '61_90' THEN 1 WHEN '31_60' THEN 2 WHEN '1_30' THEN 3 ELSE 4 END,
         customer NULLS LAST, number;

-- name: reports_dunning
-- The invoices that fell due in the month $1 (its first day) with their
-- dunning notices, as the dunning rate counts them (marts.dunning_invoices).
SELECT coalesce(customer, ''), number, issue_date, due_date, currency, gross::VARCHAR, notices, max_level,
       level_1, level_2, level_3, first_notice_date, coalesce(notice_list, '')
FROM marts.dunning_invoices
WHERE month = $1::DATE
ORDER BY due_date, number;

-- name: reports_incidents
-- Incidents linked to a KPI month from $1 to $2 (YYYY-MM), dismissed ones
-- left out, with every KPI month they touched.
SELECT c.incident_id, coalesce(c.title, ''), coalesce(c.severity, ''), coalesce(c.status, ''),
       coalesce(c.customer_impact, ''), to_json(list(k.month ORDER BY k.month))::VARCHAR
FROM incident.current c
JOIN incident.kpi_months k USING (incident_id)
WHERE coalesce(c.status, '') <> 'dismissed'
GROUP BY ALL
HAVING bool_or(k.month BETWEEN $1 AND $2)
ORDER BY c.incident_id;

-- name: reports_follow_ups
-- Every follow-up of the incidents; $1 is the day that decides what is
-- overdue.
SELECT incident_id, follow_up, coalesce(action, ''), coalesce(owner_role, ''), due_on, status,
       status = 'open' AND due_on < $1::DATE AS overdue
FROM incident.follow_ups
ORDER BY incident_id, follow_up;

-- name: reports_open_rejects
-- The quarantine's open records, as `takt rejects` lists them.
SELECT run_id, source, stream, coalesce(record_id, ''), rule, coalesce(field, ''), message,
       coalesce(stage, 'extract'), rejected_at
FROM ops.rejects
WHERE resolved_at IS NULL
ORDER BY source, stream, rule, record_id, run_id;

-- name: reports_identity_issues
-- Customers and projects to settle by hand, as `takt identities` lists them.
SELECT kind, system, source_id, coalesce(name, ''), status, coalesce(hint, '')
FROM core.identity_review
ORDER BY kind, system, source_id;

-- name: reports_freshness
-- Every source stream's last successful and last failed load, from the run
-- ledger (the same figures as marts.source_freshness, read at the time the
-- pack is made).
SELECT s.source, s.stream,
       max(s.ended_at) FILTER (WHERE s.status = 'succeeded'),
       coalesce(arg_max(s.rows, s.ended_at) FILTER (WHERE s.status = 'succeeded'), 0),
       max(s.ended_at) FILTER (WHERE s.status = 'failed'),
       coalesce(arg_max(s.error, s.ended_at) FILTER (WHERE s.status = 'failed'), '')
FROM ops.run_streams s
GROUP BY s.source, s.stream
ORDER BY s.source, s.stream;

-- name: reports_drift
-- Fields sources sent that their connectors do not know, each with the run
-- that first brought it.
SELECT source, stream, field, min(run_id), min(first_seen_at)
FROM ops.schema_drift
GROUP BY source, stream, field
ORDER BY source, stream, field;
