-- Unbilled work (WIP) at the end of every month: exactly what
-- reconcile.unbilled_as_of finds on the month's last day (the as-of day
-- for the running month), valued as it values it (the applicable rate,
-- rounded to cents per item), with its age bucket (0_30, 31_60, 61_90,
-- over_90 days since the work date) and its value in the base currency at
-- the month-end rate (marts.fx_month_end). amount_base is NULL when the
-- currency has no rate at that month end.
--
-- reconcile.unbilled_as_of is called once per month end through LATERAL,
-- so it must stay callable with a column as its day. DuckDB 1.5.6 cannot
-- flatten EXISTS, IN and NOT IN subqueries inside such a call ("INTERNAL
-- Error: Failed to bind column reference ... inequal types"): the macros
-- it uses write them as joins (LEFT JOIN ... WHERE x IS NULL).
CREATE OR REPLACE VIEW marts.wip_month_end AS
SELECT
    m.month,
    m.as_of_day                                     AS month_end,
    u.kind,
    u.source_id,
    u.customer_id,
    u.customer,
    u.project_code,
    u.project,
    u.work_date,
    u.hours,
    u.rate,
    u.amount,
    u.currency,
    u.age_days,
    marts.wip_bucket(u.age_days)                    AS age_bucket,
    fx.rate                                         AS currency_rate,
    marts.to_base(u.amount, fx.rate)::DECIMAL(18,2) AS amount_base
FROM marts.months m
CROSS JOIN LATERAL (SELECT * FROM reconcile.unbilled_as_of(m.as_of_day)) u
LEFT JOIN marts.fx_month_end fx ON fx.month = m.month AND fx.currency = u.currency;

-- Unbilled work at every month end, summed by customer, currency and age
-- bucket: computed once from marts.wip_month_end (the costly part, one
-- reconciliation per month end) for the monthly and the per-customer
-- KPIs. customer_id is '' for work of no known customer; without_rate
-- counts the items whose currency has no rate at the month end.
CREATE OR REPLACE TABLE marts.wip_summary AS
SELECT
    month,
    coalesce(customer_id, '')                       AS customer_id,
    currency,
    age_bucket,
    count(*)                                        AS items,
    sum(amount_base)                                AS amount_base,
    count(*) FILTER (WHERE amount_base IS NULL)     AS without_rate
FROM marts.wip_month_end
GROUP BY ALL;
