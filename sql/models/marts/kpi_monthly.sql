-- Period DSO, trailing three-month DSO and dunning rate per month, as
-- KPIS.md defines them, in the base currency.
--
--   dso_days    = AR_end(M) / gross_sales(M) * days(M)
--   dso_3m_days = AR_end(M) / gross_sales(M-2..M) * days(M-2..M)
--   dunning_rate = invoices due in M with at least one dunning notice /
--                  invoices due in M
--
-- gross_sales are issued invoices less credit notes issued in the month.
-- A figure that is undefined is NULL with its reason beside it, never 0.
-- Day figures are rounded to 2 decimals, rates to 4, at the end.
CREATE OR REPLACE TABLE marts.kpi_monthly AS
WITH ar AS (
    SELECT month, sum(open_base) AS ar_end
    FROM marts.ar_month_end GROUP BY month
),
sales AS (
    SELECT m.month,
           coalesce(sum(CASE WHEN d.kind = 'credit_note' THEN -d.gross_base ELSE d.gross_base END), 0)::DECIMAL(18,2) AS gross_sales,
           count(d.document_id) FILTER (WHERE d.kind = 'invoice') AS invoices_issued
    FROM marts.months m
    LEFT JOIN core.invoices d ON d.issued AND date_trunc('month', d.issue_date) = m.month
    GROUP BY m.month
),
dunning AS (
    SELECT m.month,
           count(DISTINCT d.document_id)                                        AS invoices_due,
           count(DISTINCT d.document_id) FILTER (WHERE n.notice_id IS NOT NULL)  AS invoices_dunned
    FROM marts.months m
    LEFT JOIN core.invoices d ON d.kind = 'invoice' AND d.issued AND date_trunc('month', d.due_date) = m.month
    LEFT JOIN core.dunning_notices n ON n.invoice_id = d.document_id
                                    AND n.notice_date <= staging.setting('as_of')::DATE
    GROUP BY m.month
),
base AS (
    SELECT
        m.month,
        m.month_end,
        m.days,
        coalesce(ar.ar_end, 0)::DECIMAL(18,2)                                   AS ar_end,
        s.gross_sales,
        s.invoices_issued,
        sum(s.gross_sales) OVER w3                                              AS gross_sales_3m,
        sum(m.days) OVER w3                                                     AS days_3m,
        count(*) OVER w3                                                        AS months_3m,
        dn.invoices_due,
        dn.invoices_dunned
    FROM marts.months m
    JOIN sales s USING (month)
    JOIN dunning dn USING (month)
    LEFT JOIN ar USING (month)
    WINDOW w3 AS (ORDER BY m.month ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
)
SELECT
    month,
    month_end,
    days,
    ar_end,
    gross_sales,
    invoices_issued,
    CASE WHEN gross_sales > 0 THEN round(ar_end / gross_sales * days, 2) END     AS dso_days,
    CASE WHEN gross_sales = 0 THEN 'no sales in the month'
         WHEN gross_sales < 0 THEN 'credit notes exceed sales in the month' END  AS dso_days_reason,
    gross_sales_3m::DECIMAL(18,2)                                                AS gross_sales_3m,
    CASE WHEN months_3m = 3 AND gross_sales_3m > 0 THEN round(ar_end / gross_sales_3m * days_3m, 2) END AS dso_3m_days,
    CASE WHEN months_3m < 3 THEN 'fewer than three months of history'
         WHEN gross_sales_3m = 0 THEN 'no sales in the three months'
         WHEN gross_sales_3m < 0 THEN 'credit notes exceed sales in the three months' END AS dso_3m_days_reason,
    invoices_due,
    invoices_dunned,
    CASE WHEN invoices_due > 0 THEN round(invoices_dunned / invoices_due, 4) END AS dunning_rate,
    CASE WHEN invoices_due = 0 THEN 'no invoice fell due in the month' END       AS dunning_rate_reason
FROM base
ORDER BY month;
