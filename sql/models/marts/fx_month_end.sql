-- The exchange rate of every currency takt meets at the end of every
-- month, for amounts that have no rate booked on them: unbilled work,
-- and documents whose rate is missing. Like Xero's CurrencyRate, rate is
-- units of the currency per one unit of the base currency, so
-- base = amount / rate.
--
-- The rate is the latest one on or before the month end in the FX rates
-- files (staging.files_fx_rates, quoted against the base currency), else
-- the one booked on the last issued document in that currency dated on or
-- before the month end (the books' own latest rate; among documents of the
-- same day, the highest number). A currency with neither has no rate
-- (NULL): figures that need it are NULL with the reason, never converted
-- at a guess. rate_source says where each rate comes from.
CREATE OR REPLACE TABLE marts.fx_month_end AS
WITH currencies AS (
    SELECT currency FROM core.invoices WHERE currency IS NOT NULL
    UNION
    SELECT currency FROM core.projects WHERE currency IS NOT NULL
    UNION
    SELECT currency FROM core.milestones WHERE currency IS NOT NULL
),
booked AS (
    SELECT currency, issue_date, arg_max(currency_rate, number) AS rate, arg_max(number, number) AS number
    FROM core.invoices
    WHERE issued AND currency_rate IS NOT NULL AND currency <> staging.setting('base_currency')
    GROUP BY currency, issue_date
),
quoted AS (
    SELECT currency, rate_date, rate
    FROM staging.files_fx_rates
    WHERE base_currency = staging.setting('base_currency') AND rate > 0
),
grid AS (
    SELECT m.month, m.month_end, c.currency FROM marts.months m, currencies c
)
SELECT
    g.month,
    g.month_end,
    g.currency,
    CASE WHEN g.currency = staging.setting('base_currency') THEN 1::DECIMAL(18,6)
         ELSE coalesce(q.rate, b.rate)::DECIMAL(18,6) END AS rate,
    CASE WHEN g.currency = staging.setting('base_currency') THEN 'base currency'
         WHEN q.rate IS NOT NULL THEN 'FX rates file, ' || strftime(q.rate_date, '%Y-%m-%d')
         WHEN b.rate IS NOT NULL THEN 'booked on ' || b.number || ' of ' || strftime(b.issue_date, '%Y-%m-%d') END AS rate_source
FROM grid g
ASOF LEFT JOIN quoted q ON q.currency = g.currency AND g.month_end >= q.rate_date
ASOF LEFT JOIN booked b ON b.currency = g.currency AND g.month_end >= b.issue_date;
