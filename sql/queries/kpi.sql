-- name: kpi_months
-- The base figures behind every month's KPIs up to the month of $1.
SELECT month, days, ar_end::VARCHAR, ar_begin::VARCHAR, current_ar_end::VARCHAR,
       gross_sales::VARCHAR, gross_sales_3m::VARCHAR, days_3m, invoices_issued, credit_notes_issued,
       dso_countback_history_too_short, invoice_deadline, tm_hours::VARCHAR, tm_hours_within::VARCHAR,
       items_invoiced, tti_amount_base::VARCHAR, tti_day_amount_base::VARCHAR, unbilled_items, unbilled_0_30::VARCHAR, unbilled_31_60::VARCHAR,
       unbilled_61_90::VARCHAR, unbilled_over_90::VARCHAR,
       invoices_checked, invoices_corrected, gross_checked::VARCHAR, gross_corrected::VARCHAR, first_time_right_rate::VARCHAR,
       invoices_due, invoices_dunned, invoices_dunned_1, invoices_dunned_2, invoices_dunned_3,
       notices_sent, lines_issued, takt_lines, net_issued::VARCHAR, takt_net::VARCHAR
FROM marts.kpi_monthly
WHERE month <= date_trunc('month', $1::DATE)
ORDER BY month;

-- name: kpi_values
-- Every KPI of every month up to the month of $1.
SELECT month, kpi, value::VARCHAR, reason, provisional
FROM marts.kpi_values
WHERE month <= date_trunc('month', $1::DATE)
ORDER BY month, kpi;

-- name: kpi_definitions
-- The KPIs in display order with their formula version and computed
-- baseline, the base currency the figures are in and the holidays the
-- last run counted as non-working days.
SELECT d.kpi, d.position, d.definition_version, d.unit, d.better, d.formula,
       b.value::VARCHAR, b.reason, coalesce(list_transform(b.months, m -> strftime(m, '%Y-%m')), []::VARCHAR[])::VARCHAR[],
       staging.setting('base_currency'), coalesce(staging.setting('holidays'), '')
FROM marts.kpi_definitions d
LEFT JOIN marts.kpi_baselines b USING (kpi)
ORDER BY d.position;

-- name: kpi_definitions_latest
-- The latest recorded definition of every KPI.
SELECT kpi, definition_version, settings_hash, valid_from
FROM ops.kpi_definitions
QUALIFY row_number() OVER (PARTITION BY kpi ORDER BY valid_from DESC) = 1;

-- name: kpi_definition_history
-- Every recorded definition of the KPI $1, oldest first.
SELECT definition_version, settings_hash, settings, valid_from
FROM ops.kpi_definitions
WHERE kpi = $1
ORDER BY valid_from;

-- name: kpi_record_definition
INSERT INTO ops.kpi_definitions (kpi, definition_version, settings_hash, settings, valid_from)
VALUES ($1, $2, $3, $4, $5);

-- name: kpi_customers
-- The per-customer KPIs of the month of $1.
SELECT customer_id, customer, ar_end::VARCHAR, ar_not_due::VARCHAR, ar_1_30::VARCHAR, ar_31_60::VARCHAR,
       ar_61_90::VARCHAR, ar_over_90::VARCHAR, gross_sales::VARCHAR,
       dso_days::VARCHAR, best_possible_dso_days::VARCHAR, dso_days_reason,
       invoices_due, invoices_dunned, dunning_rate::VARCHAR, dunning_rate_reason,
       invoices_checked, invoices_corrected, correction_rate::VARCHAR, correction_rate_reason, correction_rate_provisional,
       items_invoiced, time_to_invoice_median_days::VARCHAR, time_to_invoice_median_days_reason,
       unbilled_items, unbilled_amount::VARCHAR, unbilled_amount_reason
FROM marts.kpi_customer_monthly
WHERE month = date_trunc('month', $1::DATE)
ORDER BY customer NULLS LAST, customer_id NULLS LAST;
