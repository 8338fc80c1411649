-- Countback DSO, step by step: for every month M, the months walked back
-- from M with their gross sales and days, the AR that remained before
-- each, and what each step counted. The walk takes a month's days in full
-- while the remaining AR is at least its gross sales (and subtracts
-- them), counts remaining / sales * days for the month not fully
-- consumed and stops there, or as soon as nothing remains. A walk that
-- runs out of history before the AR does is flagged history_too_short and
-- counts the days it walked. Not defined when AR_end is negative (open
-- credit notes exceed open invoices) or a currency has no rate.
CREATE OR REPLACE TABLE marts.dso_countback_steps AS
WITH walk AS (
    SELECT b.month, b.ar_end, k.month AS step_month, k.days AS step_days, k.gross_sales AS step_sales,
           sum(k.gross_sales) OVER (PARTITION BY b.month ORDER BY k.month DESC ROWS UNBOUNDED PRECEDING) AS cum_incl
    FROM marts.kpi_base b JOIN marts.kpi_base k ON k.month <= b.month
    WHERE b.missing_rates IS NULL AND b.ar_end >= 0
),
stop AS (
    SELECT month,
           max(step_month) FILTER (WHERE ar_end - (cum_incl - step_sales) = 0 OR ar_end < cum_incl) AS stop_month,
           arg_min(ar_end - cum_incl, step_month)                                                 AS unexplained
    FROM walk GROUP BY month
)
SELECT
    w.month,
    w.step_month,
    w.step_sales,
    w.step_days,
    w.ar_end - (w.cum_incl - w.step_sales)          AS remaining_before,
    CASE WHEN s.stop_month IS NULL OR w.step_month > s.stop_month THEN 'full'
         WHEN w.ar_end - (w.cum_incl - w.step_sales) = 0 THEN 'nothing left'
         ELSE 'partial' END                         AS step,
    CASE WHEN s.stop_month IS NULL OR w.step_month > s.stop_month THEN w.step_days::DECIMAL(18,4)
         WHEN w.ar_end - (w.cum_incl - w.step_sales) = 0 THEN 0::DECIMAL(18,4)
         ELSE marts.div4((w.ar_end - (w.cum_incl - w.step_sales)) * w.step_days, w.step_sales) END AS days_counted,
    s.stop_month IS NULL AND s.unexplained > 0      AS history_too_short
FROM walk w JOIN stop s USING (month)
WHERE s.stop_month IS NULL OR w.step_month >= s.stop_month;

-- The countback DSO of every month from its steps: the full months' days
-- plus remaining * days / sales of the partial month, rounded once.
CREATE OR REPLACE TABLE marts.dso_countback AS
SELECT
    month,
    CASE WHEN bool_or(step = 'partial')
         THEN marts.div2(coalesce(sum(step_days) FILTER (WHERE step = 'full'), 0) * any_value(step_sales) FILTER (WHERE step = 'partial')
                         + any_value(remaining_before) FILTER (WHERE step = 'partial') * any_value(step_days) FILTER (WHERE step = 'partial'),
                         any_value(step_sales) FILTER (WHERE step = 'partial'))
         ELSE coalesce(sum(step_days) FILTER (WHERE step = 'full'), 0)::DECIMAL(18,2) END AS dso_countback_days,
    bool_or(history_too_short)                      AS history_too_short
FROM marts.dso_countback_steps
GROUP BY month;
