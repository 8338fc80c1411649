-- The base figures of every month's KPIs, in the base currency: receivables
-- at the month end (AR_end; current AR, what is not yet due; the aging
-- buckets), at its start (AR_begin, the previous month's AR_end, 0 before
-- the first month: no document is older) and the gross sales of the
-- month and of the trailing three months. missing_rates names the
-- currencies of documents that could not be converted (no rate booked and
-- none at the month end): the figures built on them are undefined.
CREATE OR REPLACE TABLE marts.kpi_base AS
WITH ar AS (
    SELECT month,
           sum(open_base)                                                   AS ar_end,
           coalesce(sum(open_base) FILTER (WHERE aging_bucket = 'not_due'), 0) AS current_ar_end,
           coalesce(sum(open_base) FILTER (WHERE aging_bucket = '1_30'), 0)    AS ar_1_30,
           coalesce(sum(open_base) FILTER (WHERE aging_bucket = '31_60'), 0)   AS ar_31_60,
           coalesce(sum(open_base) FILTER (WHERE aging_bucket = '61_90'), 0)   AS ar_61_90,
           coalesce(sum(open_base) FILTER (WHERE aging_bucket = 'over_90'), 0) AS ar_over_90,
           string_agg(DISTINCT currency, ', ' ORDER BY currency) FILTER (WHERE open_base IS NULL) AS missing_rates
    FROM marts.ar_month_end GROUP BY month
),
sales AS (
    SELECT m.month,
           coalesce(sum(s.gross_base), 0)                                   AS gross_sales,
           count(s.document_id) FILTER (WHERE s.kind = 'invoice')           AS invoices_issued,
           count(s.document_id) FILTER (WHERE s.kind = 'credit_note')       AS credit_notes_issued,
           string_agg(DISTINCT s.currency, ', ' ORDER BY s.currency) FILTER (WHERE s.gross_base IS NULL) AS missing_rates
    FROM marts.months m
    LEFT JOIN marts.sales_documents s USING (month)
    GROUP BY m.month
),
base AS (
    SELECT
        m.month, m.month_end, m.days, m.as_of_day, m.complete, m.invoice_deadline,
        coalesce(ar.ar_end, 0)::DECIMAL(18,2)                               AS ar_end,
        coalesce(lag(ar.ar_end) OVER (ORDER BY m.month), 0)::DECIMAL(18,2)  AS ar_begin,
        coalesce(ar.current_ar_end, 0)::DECIMAL(18,2)                       AS current_ar_end,
        coalesce(ar.current_ar_end, 0)::DECIMAL(18,2)                       AS ar_not_due,
        coalesce(ar.ar_1_30, 0)::DECIMAL(18,2)                              AS ar_1_30,
        coalesce(ar.ar_31_60, 0)::DECIMAL(18,2)                             AS ar_31_60,
        coalesce(ar.ar_61_90, 0)::DECIMAL(18,2)                             AS ar_61_90,
        coalesce(ar.ar_over_90, 0)::DECIMAL(18,2)                           AS ar_over_90,
        s.gross_sales::DECIMAL(18,2)                                        AS gross_sales,
        s.invoices_issued,
        s.credit_notes_issued,
        nullif(array_to_string(list_sort(list_distinct(string_split(concat_ws(', ', ar.missing_rates, s.missing_rates), ', '))), ', '), '') AS missing_rates,
        sum(s.gross_sales) OVER w3                                          AS gross_sales_3m,
        sum(m.days) OVER w3                                                 AS days_3m,
        count(*) OVER w3                                                    AS months_3m
    FROM marts.months m
    JOIN sales s USING (month)
    LEFT JOIN ar USING (month)
    WINDOW w3 AS (ORDER BY m.month ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
)
SELECT * FROM base
ORDER BY month;
