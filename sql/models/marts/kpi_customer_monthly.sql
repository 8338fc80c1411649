-- The KPIs that make sense per customer, per month, with the same
-- definitions as marts.kpi_monthly restricted to the customer's
-- documents and work: receivables and their aging, gross sales, period
-- and best possible DSO, dunning rate, correction rate, time to invoice
-- and unbilled work. A customer appears in a month when it has any of
-- them; documents and work of no known customer are gathered under a
-- NULL customer_id. Undefined figures are NULL with the reason.
CREATE OR REPLACE TABLE marts.kpi_customer_monthly AS
WITH ar AS (
    SELECT month, coalesce(customer_id, '') AS customer_id,
           sum(open_base)                                                   AS ar_end,
           coalesce(sum(open_base) FILTER (WHERE aging_bucket = 'not_due'), 0) AS ar_not_due,
           coalesce(sum(open_base) FILTER (WHERE aging_bucket = '1_30'), 0)    AS ar_1_30,
           coalesce(sum(open_base) FILTER (WHERE aging_bucket = '31_60'), 0)   AS ar_31_60,
           coalesce(sum(open_base) FILTER (WHERE aging_bucket = '61_90'), 0)   AS ar_61_90,
           coalesce(sum(open_base) FILTER (WHERE aging_bucket = 'over_90'), 0) AS ar_over_90,
           count(*) FILTER (WHERE open_base IS NULL)                          AS without_rate
    FROM marts.ar_month_end GROUP BY ALL
),
sales AS (
    SELECT month, coalesce(customer_id, '') AS customer_id, sum(gross_base) AS gross_sales, count(*) FILTER (WHERE gross_base IS NULL) AS without_rate
    FROM marts.sales_documents GROUP BY ALL
),
dun AS (
    SELECT month, coalesce(customer_id, '') AS customer_id, count(*) AS invoices_due, count(*) FILTER (WHERE notices > 0) AS invoices_dunned
    FROM marts.dunning_invoices GROUP BY ALL
),
corr AS (
    SELECT month, coalesce(customer_id, '') AS customer_id, count(*) AS invoices_checked, count(*) FILTER (WHERE corrected) AS invoices_corrected
    FROM marts.invoice_corrections GROUP BY ALL
),
tti AS (
    SELECT month, coalesce(customer_id, '') AS customer_id, count(*) AS items_invoiced, quantile_cont(days, 0.5)::DECIMAL(18,2) AS median_days
    FROM marts.invoiced_work GROUP BY ALL
),
wip AS (
    SELECT month, customer_id, sum(items) AS unbilled_items, sum(amount_base) AS unbilled_amount,
           sum(without_rate) AS without_rate
    FROM marts.wip_summary GROUP BY ALL
),
keys AS (
    SELECT month, customer_id FROM ar UNION SELECT month, customer_id FROM sales
    UNION SELECT month, customer_id FROM dun UNION SELECT month, customer_id FROM corr
    UNION SELECT month, customer_id FROM tti UNION SELECT month, customer_id FROM wip
)
SELECT
    k.month,
    nullif(k.customer_id, '')                                               AS customer_id,
    c.name                                                                  AS customer,
    coalesce(ar.ar_end, 0)::DECIMAL(18,2)                                   AS ar_end,
    coalesce(ar.ar_not_due, 0)::DECIMAL(18,2)                               AS ar_not_due,
    coalesce(ar.ar_1_30, 0)::DECIMAL(18,2)                                  AS ar_1_30,
    coalesce(ar.ar_31_60, 0)::DECIMAL(18,2)                                 AS ar_31_60,
    coalesce(ar.ar_61_90, 0)::DECIMAL(18,2)                                 AS ar_61_90,
    coalesce(ar.ar_over_90, 0)::DECIMAL(18,2)                               AS ar_over_90,
    coalesce(s.gross_sales, 0)::DECIMAL(18,2)                               AS gross_sales,
    CASE WHEN coalesce(ar.without_rate, 0) + coalesce(s.without_rate, 0) = 0 AND s.gross_sales > 0
         THEN marts.div2(coalesce(ar.ar_end, 0) * m.days, s.gross_sales) END AS dso_days,
    CASE WHEN coalesce(ar.without_rate, 0) + coalesce(s.without_rate, 0) = 0 AND s.gross_sales > 0
         THEN marts.div2(coalesce(ar.ar_not_due, 0) * m.days, s.gross_sales) END AS best_possible_dso_days,
    CASE WHEN coalesce(ar.without_rate, 0) + coalesce(s.without_rate, 0) > 0 THEN 'a document has no exchange rate at the month end'
         WHEN coalesce(s.gross_sales, 0) = 0 THEN 'no sales to the customer in the month'
         WHEN s.gross_sales < 0 THEN 'credit notes exceed sales to the customer in the month' END AS dso_days_reason,
    coalesce(d.invoices_due, 0)                                             AS invoices_due,
    coalesce(d.invoices_dunned, 0)                                          AS invoices_dunned,
    marts.div4(d.invoices_dunned, d.invoices_due)                           AS dunning_rate,
    CASE WHEN d.invoices_due IS NULL THEN 'no invoice of the customer fell due in the month' END AS dunning_rate_reason,
    coalesce(co.invoices_checked, 0)                                        AS invoices_checked,
    coalesce(co.invoices_corrected, 0)                                      AS invoices_corrected,
    marts.div4(co.invoices_corrected, co.invoices_checked)                  AS correction_rate,
    CASE WHEN co.invoices_checked IS NULL THEN 'no invoice was issued to the customer in the month' END AS correction_rate_reason,
    m.month_end + 90 > staging.setting('as_of')::DATE                       AS correction_rate_provisional,
    coalesce(t.items_invoiced, 0)                                           AS items_invoiced,
    t.median_days                                                           AS time_to_invoice_median_days,
    CASE WHEN t.items_invoiced IS NULL THEN 'no work of the customer was invoiced in the month' END AS time_to_invoice_median_days_reason,
    coalesce(w.unbilled_items, 0)                                           AS unbilled_items,
    CASE WHEN coalesce(w.without_rate, 0) = 0 THEN coalesce(w.unbilled_amount, 0) END::DECIMAL(18,2) AS unbilled_amount,
    CASE WHEN w.without_rate > 0 THEN 'unbilled work in a currency without an exchange rate at the month end' END AS unbilled_amount_reason
FROM keys k
JOIN marts.months m USING (month)
LEFT JOIN ar USING (month, customer_id)
LEFT JOIN sales s USING (month, customer_id)
LEFT JOIN dun d USING (month, customer_id)
LEFT JOIN corr co USING (month, customer_id)
LEFT JOIN tti t USING (month, customer_id)
LEFT JOIN wip w USING (month, customer_id)
LEFT JOIN core.customers c ON c.customer_id = k.customer_id
ORDER BY k.month, customer NULLS LAST, k.customer_id;
