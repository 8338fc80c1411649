-- Exact arithmetic and calendar rules the KPI models share.
--
-- marts.div2(a, b) and marts.div4(a, b): a / b rounded half away from zero
-- to 2 or 4 decimals, computed exactly in integers (DuckDB divides
-- decimals as doubles, which can round a figure that ends in 5 the wrong
-- way). a and b may have up to 4 decimal places. NULL when b is 0 or
-- NULL: a quotient without a divisor is undefined, never 0 or infinity.
CREATE OR REPLACE MACRO marts.div2(a, b) AS (
    CASE WHEN b IS NOT NULL AND b <> 0 THEN
        (sign((a::DECIMAL(38,4) * 10000)::HUGEINT) * sign((b::DECIMAL(38,4) * 10000)::HUGEINT)
         * ((2 * abs((a::DECIMAL(38,4) * 10000)::HUGEINT) * 100 + abs((b::DECIMAL(38,4) * 10000)::HUGEINT))
            // (2 * abs((b::DECIMAL(38,4) * 10000)::HUGEINT)))
        )::DECIMAL(38,0) * 0.01::DECIMAL(3,2)
    END
);

CREATE OR REPLACE MACRO marts.div4(a, b) AS (
    CASE WHEN b IS NOT NULL AND b <> 0 THEN
        (sign((a::DECIMAL(38,4) * 10000)::HUGEINT) * sign((b::DECIMAL(38,4) * 10000)::HUGEINT)
         * ((2 * abs((a::DECIMAL(38,4) * 10000)::HUGEINT) * 10000 + abs((b::DECIMAL(38,4) * 10000)::HUGEINT))
            // (2 * abs((b::DECIMAL(38,4) * 10000)::HUGEINT)))
        )::DECIMAL(38,0) * 0.0001::DECIMAL(5,4)
    END
);

-- marts.to_base(a, r): an amount a in a foreign currency converted at the
-- rate r (units of that currency per unit of the base currency, as Xero
-- records it), rounded half away from zero to cents: the same result as
-- staging.div_cents, computed in BIGINT, which is about fifty times
-- faster than HUGEINT on the thousands of items the KPIs convert. a may
-- have up to 4 decimal places and r up to 6, and |a| must stay below
-- 46 billion; a larger amount fails with an overflow error rather than
-- giving a wrong figure. NULL when r is NULL or 0.
CREATE OR REPLACE MACRO marts.to_base(a, r) AS (
    CASE WHEN r IS NOT NULL AND r <> 0 THEN
        (sign((a::DECIMAL(18,4) * 10000)::BIGINT) * sign((r::DECIMAL(18,6) * 1000000)::BIGINT)
         * ((2 * abs((a::DECIMAL(18,4) * 10000)::BIGINT) * 10000 + abs((r::DECIMAL(18,6) * 1000000)::BIGINT))
            // (2 * abs((r::DECIMAL(18,6) * 1000000)::BIGINT)))
        )::DECIMAL(18,0) * 0.01::DECIMAL(3,2)
    END
);

-- marts.working_day_after(d, n, holidays): the n-th working day after day
-- d, where working days are Monday to Friday except the dates in the list
-- holidays (kpis.holidays: they differ by country and state, so takt ships
-- none). The window of 2n + 30 days holds n working days even across the
-- longest run of holidays a firm closes for.
CREATE OR REPLACE MACRO marts.working_day_after(d, n, holidays) AS (
    list_filter(
        generate_series(d::TIMESTAMP + INTERVAL 1 DAY, d::TIMESTAMP + to_days(2 * n + 30), INTERVAL 1 DAY),
        x -> isodow(x) <= 5 AND NOT list_contains(holidays, x::DATE)
    )[n]::DATE
);

-- marts.aging_bucket(days): the AR aging bucket of an amount that is the
-- given number of days past due (0 or less: not due).
CREATE OR REPLACE MACRO marts.aging_bucket(days) AS (
    CASE WHEN days <= 0 THEN 'not_due'
         WHEN days <= 30 THEN '1_30'
         WHEN days <= 60 THEN '31_60'
         WHEN days <= 90 THEN '61_90'
         ELSE 'over_90' END
);

-- marts.wip_bucket(days): the age bucket of unbilled work that many days
-- after its work date.
CREATE OR REPLACE MACRO marts.wip_bucket(days) AS (
    CASE WHEN days <= 30 THEN '0_30'
         WHEN days <= 60 THEN '31_60'
         WHEN days <= 90 THEN '61_90'
         ELSE 'over_90' END
);
