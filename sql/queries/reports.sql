-- name: kpi_monthly
-- $1: the last month to return (any day of it).
SELECT month, days, ar_end::VARCHAR, gross_sales::VARCHAR, invoices_issued,
       dso_days::VARCHAR, dso_days_reason, gross_sales_3m::VARCHAR, dso_3m_days::VARCHAR, dso_3m_days_reason,
       invoices_due, invoices_dunned, dunning_rate::VARCHAR, dunning_rate_reason
FROM marts.kpi_monthly
WHERE month <= date_trunc('month', $1::DATE)
ORDER BY month;
