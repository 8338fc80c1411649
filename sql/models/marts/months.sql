-- The calendar months KPIs are reported for: from the month of the first
-- issued invoice to the month of the as-of day.
CREATE OR REPLACE TABLE marts.months AS
WITH bounds AS (
    SELECT date_trunc('month', min(issue_date))                      AS first_month,
           date_trunc('month', staging.setting('as_of')::DATE)        AS last_month
    FROM core.invoices
    WHERE issued
)
SELECT
    m::DATE                                         AS month,
    last_day(m::DATE)                               AS month_end,
    day(last_day(m::DATE))                          AS days
FROM bounds, range(first_month, last_month + INTERVAL 1 MONTH, INTERVAL 1 MONTH) AS t(m)
WHERE first_month IS NOT NULL;
