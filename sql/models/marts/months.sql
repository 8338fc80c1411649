-- The calendar months KPIs are reported for: from the month of the first
-- issued invoice to the month of the as-of day.
--
-- as_of_day is the day a month's figures are taken at: its last day, or
-- the as-of day for the running month. complete says whether the month
-- has ended by the as-of day (baselines only use complete months).
-- invoice_deadline is the fifth working day after the month end (Monday
-- to Friday, not a configured holiday), the deadline of the "invoiced
-- within 5 working days" share.
CREATE OR REPLACE TABLE marts.months AS
WITH bounds AS (
    SELECT date_trunc('month', min(issue_date))                      AS first_month,
           date_trunc('month', staging.setting('as_of')::DATE)        AS last_month,
           staging.setting('as_of')::DATE                             AS as_of,
           coalesce(list_transform(string_split(nullif(staging.setting('holidays'), ''), ','), x -> x::DATE),
                    []::DATE[])                                      AS holidays
    FROM core.invoices
    WHERE issued
)
SELECT
    m::DATE                                         AS month,
    last_day(m::DATE)                               AS month_end,
    day(last_day(m::DATE))                          AS days,
    least(last_day(m::DATE), as_of)                 AS as_of_day,
    last_day(m::DATE) <= as_of                      AS complete,
    marts.working_day_after(last_day(m::DATE), 5, holidays) AS invoice_deadline
FROM bounds, range(first_month, last_month + INTERVAL 1 MONTH, INTERVAL 1 MONTH) AS t(m)
WHERE first_month IS NOT NULL;
