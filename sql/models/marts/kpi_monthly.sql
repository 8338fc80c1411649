-- Every KPI of KPIS.md per month, as of the month's end (the as-of day for
-- the running month), in the base currency. Go renders; this computes.
--
--   dso_days               = AR_end / gross_sales * days(M)
--   dso_3m_days            = AR_end / gross_sales(M-2..M) * days(M-2..M)
--   dso_countback_days     walk back from M: while the remaining AR is at
--                          least a month's gross sales, subtract them and
--                          add all its days; then add remaining / sales *
--                          days for the month not fully consumed. The walk
--                          stops as soon as nothing remains. History that
--                          runs out first gives the partial figure,
--                          flagged dso_countback_history_too_short.
--   best_possible_dso_days = current_AR_end / gross_sales * days(M), current
--                          AR being what is not yet due
--   average_days_delinquent = dso_days - best_possible_dso_days (of the
--                          rounded figures, so the table adds up)
--   cei_percent            = (AR_begin + gross_sales - AR_end)
--                          / (AR_begin + gross_sales - current_AR_end) * 100
--   time_to_invoice_*      over marts.invoiced_work of invoices issued in M:
--                          median and 90th percentile of the days (linear
--                          interpolation between ranks, as Excel's
--                          PERCENTILE.INC), mean weighted by base amount
--   invoiced_within_5_working_days = hours of M's approved T&M time invoiced
--                          by the 5th working day after M's end / all of
--                          them (marts.tm_work_invoicing); undefined until
--                          that day has passed
--   unbilled_amount        = WIP at the month end in the base currency
--   correction_rate        = invoices issued in M corrected within 90 days
--                          / invoices issued in M; _amount by gross; both
--                          provisional until 90 days after M's end;
--                          first_time_right_rate = 1 - correction_rate
--   dunning_rate           = invoices due in M with a notice of any level /
--                          invoices due in M; _level_N with a notice of
--                          level N; dunning_fees = fees of notices sent in M
--   automation_share       = lines of invoices issued in M that came
--                          unchanged from a takt billing run / all their
--                          lines; _amount by net amount
--
-- AR_end, current AR, the aging buckets and gross_sales come from
-- marts.ar_month_end and marts.sales_documents; AR_begin is the previous
-- month's AR_end (0 before the first month: no document is older).
-- Quotients are exact (marts.div2, marts.div4): days and percentages to
-- 2 decimals, rates to 4. An undefined figure is NULL with its reason in
-- <name>_reason, never 0 or infinity. dso_days, dso_3m_days and
-- dunning_rate are DOUBLE (holding the exactly rounded value) as they
-- always were; every other figure is DECIMAL. marts.kpi_values holds all
-- of them in one shape. Changing a formula here means raising its
-- definition_version in marts.kpi_definitions.
CREATE OR REPLACE TABLE marts.kpi_monthly AS
WITH base AS (SELECT * FROM marts.kpi_base),
countback AS (SELECT * FROM marts.dso_countback),
tti AS (
    SELECT month,
           count(*)                                                         AS items_invoiced,
           quantile_cont(days, 0.5)::DECIMAL(18,2)                          AS median_days,
           quantile_cont(days, 0.9)::DECIMAL(18,2)                          AS p90_days,
           marts.div2(sum(days * amount_base), sum(amount_base))            AS mean_days,
           sum(amount_base)                                                 AS amount_base,
           sum(days * amount_base)                                          AS day_amount_base,
           count(*) FILTER (WHERE amount_base IS NULL)                      AS items_without_rate
    FROM marts.invoiced_work GROUP BY month
),
tm AS (
    SELECT month, sum(hours) AS tm_hours, coalesce(sum(hours) FILTER (WHERE within_deadline), 0) AS tm_hours_within
    FROM marts.tm_work_invoicing GROUP BY month
),
wip AS (
    SELECT month,
           sum(items)                                                       AS unbilled_items,
           sum(amount_base)                                                 AS unbilled_amount,
           coalesce(sum(amount_base) FILTER (WHERE age_bucket = '0_30'), 0)    AS unbilled_0_30,
           coalesce(sum(amount_base) FILTER (WHERE age_bucket = '31_60'), 0)   AS unbilled_31_60,
           coalesce(sum(amount_base) FILTER (WHERE age_bucket = '61_90'), 0)   AS unbilled_61_90,
           coalesce(sum(amount_base) FILTER (WHERE age_bucket = 'over_90'), 0) AS unbilled_over_90,
           string_agg(DISTINCT currency, ', ' ORDER BY currency) FILTER (WHERE without_rate > 0) AS missing_rates
    FROM marts.wip_summary GROUP BY month
),
corr AS (
    SELECT month,
           count(*)                                                         AS invoices_checked,
           count(*) FILTER (WHERE corrected)                                AS invoices_corrected,
           sum(gross_base)                                                  AS gross_checked,
           coalesce(sum(gross_base) FILTER (WHERE corrected), 0)            AS gross_corrected,
           count(*) FILTER (WHERE gross_base IS NULL)                       AS without_rate
    FROM marts.invoice_corrections GROUP BY month
),
dun AS (
    SELECT month,
           count(*)                                                         AS invoices_due,
           count(*) FILTER (WHERE notices > 0)                              AS invoices_dunned,
           count(*) FILTER (WHERE level_1)                                  AS invoices_dunned_1,
           count(*) FILTER (WHERE level_2)                                  AS invoices_dunned_2,
           count(*) FILTER (WHERE level_3)                                  AS invoices_dunned_3
    FROM marts.dunning_invoices GROUP BY month
),
fees AS (
    SELECT month, count(*) AS notices_sent, sum(fee_base) AS dunning_fees,
           count(*) FILTER (WHERE fee_base IS NULL) AS without_rate
    FROM marts.dunning_fees GROUP BY month
),
auto AS (
    SELECT month, sum(lines) AS lines_issued, sum(takt_lines) AS takt_lines,
           sum(amount_base) AS net_issued, sum(takt_amount_base) AS takt_net,
           count(*) FILTER (WHERE amount_base IS NULL) AS without_rate
    FROM marts.automation_lines GROUP BY month
),
figures AS (
    SELECT
        b.*,
        CASE WHEN b.missing_rates IS NULL AND b.gross_sales > 0 THEN marts.div2(b.ar_end * b.days, b.gross_sales) END AS dso,
        CASE WHEN b.missing_rates IS NOT NULL THEN 'no exchange rate for ' || b.missing_rates || ' at the month end'
             WHEN b.gross_sales = 0 THEN 'no sales in the month'
             WHEN b.gross_sales < 0 THEN 'credit notes exceed sales in the month' END AS dso_reason,
        CASE WHEN b.missing_rates IS NULL AND b.months_3m = 3 AND b.gross_sales_3m > 0
             THEN marts.div2(b.ar_end * b.days_3m, b.gross_sales_3m) END AS dso_3m,
        CASE WHEN b.months_3m < 3 THEN 'fewer than three months of history'
             WHEN b.missing_rates IS NOT NULL THEN 'no exchange rate for ' || b.missing_rates || ' at the month end'
             WHEN b.gross_sales_3m = 0 THEN 'no sales in the three months'
             WHEN b.gross_sales_3m < 0 THEN 'credit notes exceed sales in the three months' END AS dso_3m_reason,
        cb.dso_countback_days                                               AS countback,
        CASE WHEN b.missing_rates IS NOT NULL THEN 'no exchange rate for ' || b.missing_rates || ' at the month end'
             WHEN b.ar_end < 0 THEN 'open credit notes exceed open invoices' END AS countback_reason,
        coalesce(cb.history_too_short, false)                               AS countback_history_too_short,
        CASE WHEN b.missing_rates IS NULL AND b.gross_sales > 0 THEN marts.div2(b.current_ar_end * b.days, b.gross_sales) END AS bpdso,
        CASE WHEN b.ar_begin + b.gross_sales - b.current_ar_end > 0 AND b.missing_rates IS NULL
             THEN marts.div2((b.ar_begin + b.gross_sales - b.ar_end) * 100, b.ar_begin + b.gross_sales - b.current_ar_end) END AS cei,
        CASE WHEN b.missing_rates IS NOT NULL THEN 'no exchange rate for ' || b.missing_rates || ' at the month end'
             WHEN b.ar_begin + b.gross_sales - b.current_ar_end <= 0
             THEN 'nothing was collectible in the month (receivables at its start plus its sales, less what is not yet due, is not positive)' END AS cei_reason,
        coalesce(t.items_invoiced, 0)                                       AS items_invoiced,
        t.median_days, t.p90_days,
        coalesce(t.amount_base, 0)::DECIMAL(18,2)                           AS tti_amount_base,
        coalesce(t.day_amount_base, 0)::DECIMAL(18,2)                       AS tti_day_amount_base,
        CASE WHEN t.items_without_rate = 0 THEN t.mean_days END             AS mean_days,
        CASE WHEN t.items_invoiced IS NULL THEN 'no work item was invoiced in the month'
             WHEN t.items_without_rate > 0 THEN 'an invoiced work item has no exchange rate at the month end' END AS tti_mean_reason,
        coalesce(tm.tm_hours, 0)::DECIMAL(18,4)                             AS tm_hours,
        coalesce(tm.tm_hours_within, 0)::DECIMAL(18,4)                      AS tm_hours_within,
        CASE WHEN b.invoice_deadline <= staging.setting('as_of')::DATE AND tm.tm_hours > 0
             THEN marts.div4(tm.tm_hours_within, tm.tm_hours) END           AS within_share,
        CASE WHEN b.invoice_deadline > staging.setting('as_of')::DATE
             THEN 'the fifth working day after the month end (' || strftime(b.invoice_deadline, '%Y-%m-%d') || ') has not passed yet'
             WHEN coalesce(tm.tm_hours, 0) = 0 THEN 'no approved time-and-materials work in the month' END AS within_reason,
        coalesce(w.unbilled_items, 0)                                       AS unbilled_items,
        CASE WHEN w.missing_rates IS NULL THEN coalesce(w.unbilled_amount, 0) END::DECIMAL(18,2) AS unbilled_amount,
        CASE WHEN w.missing_rates IS NOT NULL THEN 'no exchange rate for ' || w.missing_rates || ' at the month end' END AS unbilled_reason,
        CASE WHEN w.missing_rates IS NULL THEN coalesce(w.unbilled_0_30, 0) END::DECIMAL(18,2)                         AS unbilled_0_30,
        CASE WHEN w.missing_rates IS NULL THEN coalesce(w.unbilled_31_60, 0) END::DECIMAL(18,2)                        AS unbilled_31_60,
        CASE WHEN w.missing_rates IS NULL THEN coalesce(w.unbilled_61_90, 0) END::DECIMAL(18,2)                        AS unbilled_61_90,
        CASE WHEN w.missing_rates IS NULL THEN coalesce(w.unbilled_over_90, 0) END::DECIMAL(18,2)                      AS unbilled_over_90,
        coalesce(c.invoices_checked, 0)                                     AS invoices_checked,
        coalesce(c.invoices_corrected, 0)                                   AS invoices_corrected,
        coalesce(c.gross_checked, 0)::DECIMAL(18,2)                         AS gross_checked,
        coalesce(c.gross_corrected, 0)::DECIMAL(18,2)                       AS gross_corrected,
        marts.div4(c.invoices_corrected, c.invoices_checked)                AS corr_rate,
        CASE WHEN c.without_rate = 0 THEN marts.div4(c.gross_corrected, c.gross_checked) END AS corr_rate_amount,
        CASE WHEN c.invoices_checked IS NULL THEN 'no invoice was issued in the month' END AS corr_reason,
        CASE WHEN c.invoices_checked IS NULL THEN 'no invoice was issued in the month'
             WHEN c.without_rate > 0 THEN 'an invoice has no exchange rate at the month end'
             WHEN c.gross_checked = 0 THEN 'the invoices of the month add up to 0' END AS corr_amount_reason,
        b.month_end + 90 > staging.setting('as_of')::DATE                   AS corr_provisional,
        coalesce(d.invoices_due, 0)                                         AS invoices_due,
        coalesce(d.invoices_dunned, 0)                                      AS invoices_dunned,
        coalesce(d.invoices_dunned_1, 0)                                    AS invoices_dunned_1,
        coalesce(d.invoices_dunned_2, 0)                                    AS invoices_dunned_2,
        coalesce(d.invoices_dunned_3, 0)                                    AS invoices_dunned_3,
        marts.div4(d.invoices_dunned, d.invoices_due)                       AS dun_rate,
        marts.div4(d.invoices_dunned_1, d.invoices_due)                     AS dun_rate_1,
        marts.div4(d.invoices_dunned_2, d.invoices_due)                     AS dun_rate_2,
        marts.div4(d.invoices_dunned_3, d.invoices_due)                     AS dun_rate_3,
        CASE WHEN d.invoices_due IS NULL THEN 'no invoice fell due in the month' END AS dun_reason,
        coalesce(f.notices_sent, 0)                                         AS notices_sent,
        CASE WHEN coalesce(f.without_rate, 0) = 0 THEN coalesce(f.dunning_fees, 0) END::DECIMAL(18,2) AS dunning_fees,
        CASE WHEN f.without_rate > 0 THEN 'a dunning fee has no exchange rate at the month end' END AS fees_reason,
        coalesce(a.lines_issued, 0)                                         AS lines_issued,
        coalesce(a.takt_lines, 0)                                           AS takt_lines,
        coalesce(a.net_issued, 0)::DECIMAL(18,2)                            AS net_issued,
        coalesce(a.takt_net, 0)::DECIMAL(18,2)                              AS takt_net,
        CASE WHEN a.lines_issued > 0 THEN marts.div4(a.takt_lines, a.lines_issued) END AS auto_share,
        CASE WHEN coalesce(a.lines_issued, 0) = 0 THEN 'no invoice line was issued in the month' END AS auto_reason,
        CASE WHEN a.without_rate = 0 AND a.net_issued <> 0 THEN marts.div4(a.takt_net, a.net_issued) END AS auto_share_amount,
        CASE WHEN a.net_issued IS NULL THEN 'no invoice was issued in the month'
             WHEN a.without_rate > 0 THEN 'an invoice has no exchange rate at the month end'
             WHEN a.net_issued = 0 THEN 'the invoices of the month add up to 0' END AS auto_amount_reason
    FROM base b
    LEFT JOIN countback cb USING (month)
    LEFT JOIN tti t USING (month)
    LEFT JOIN tm USING (month)
    LEFT JOIN wip w USING (month)
    LEFT JOIN corr c USING (month)
    LEFT JOIN dun d USING (month)
    LEFT JOIN fees f USING (month)
    LEFT JOIN auto a USING (month)
)
SELECT
    month,
    month_end,
    days,
    as_of_day,
    complete,
    ar_end,
    gross_sales,
    invoices_issued,
    credit_notes_issued,
    dso::DOUBLE                                                             AS dso_days,
    dso_reason                                                              AS dso_days_reason,
    gross_sales_3m::DECIMAL(18,2)                                           AS gross_sales_3m,
    days_3m,
    dso_3m::DOUBLE                                                          AS dso_3m_days,
    dso_3m_reason                                                           AS dso_3m_days_reason,
    countback                                                               AS dso_countback_days,
    countback_reason                                                        AS dso_countback_days_reason,
    countback_history_too_short                                             AS dso_countback_history_too_short,
    current_ar_end,
    bpdso                                                                   AS best_possible_dso_days,
    dso_reason                                                              AS best_possible_dso_days_reason,
    dso - bpdso                                                             AS average_days_delinquent,
    dso_reason                                                              AS average_days_delinquent_reason,
    ar_begin,
    cei                                                                     AS cei_percent,
    cei_reason                                                              AS cei_percent_reason,
    ar_not_due, ar_1_30, ar_31_60, ar_61_90, ar_over_90,
    items_invoiced,
    median_days                                                             AS time_to_invoice_median_days,
    CASE WHEN items_invoiced = 0 THEN 'no work item was invoiced in the month' END AS time_to_invoice_median_days_reason,
    p90_days                                                                AS time_to_invoice_p90_days,
    CASE WHEN items_invoiced = 0 THEN 'no work item was invoiced in the month' END AS time_to_invoice_p90_days_reason,
    tti_amount_base,
    tti_day_amount_base,
    mean_days                                                               AS time_to_invoice_mean_days,
    tti_mean_reason                                                         AS time_to_invoice_mean_days_reason,
    invoice_deadline,
    tm_hours,
    tm_hours_within,
    within_share                                                            AS invoiced_within_5_working_days,
    within_reason                                                           AS invoiced_within_5_working_days_reason,
    unbilled_items,
    unbilled_amount,
    unbilled_reason                                                         AS unbilled_amount_reason,
    unbilled_0_30, unbilled_31_60, unbilled_61_90, unbilled_over_90,
    invoices_checked,
    invoices_corrected,
    gross_checked,
    gross_corrected,
    corr_rate                                                               AS correction_rate,
    corr_reason                                                             AS correction_rate_reason,
    corr_rate_amount                                                        AS correction_rate_amount,
    corr_amount_reason                                                      AS correction_rate_amount_reason,
    corr_provisional                                                        AS correction_rate_provisional,
    1 - corr_rate                                                           AS first_time_right_rate,
    invoices_due,
    invoices_dunned,
    invoices_dunned_1,
    invoices_dunned_2,
    invoices_dunned_3,
    dun_rate::DOUBLE                                                        AS dunning_rate,
    dun_reason                                                              AS dunning_rate_reason,
    dun_rate_1                                                              AS dunning_rate_level_1,
    dun_rate_2                                                              AS dunning_rate_level_2,
    dun_rate_3                                                              AS dunning_rate_level_3,
    dun_reason                                                              AS dunning_rate_level_reason,
    notices_sent,
    dunning_fees,
    fees_reason                                                             AS dunning_fees_reason,
    lines_issued,
    takt_lines,
    net_issued,
    takt_net,
    auto_share                                                              AS automation_share,
    auto_reason                                                             AS automation_share_reason,
    auto_share_amount                                                       AS automation_share_amount,
    auto_amount_reason                                                      AS automation_share_amount_reason
FROM figures
ORDER BY month;
