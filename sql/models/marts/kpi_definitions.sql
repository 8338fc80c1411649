-- The definition of every KPI takt reports: its name (as in
-- `takt kpi --format json`), the version of its formula, its unit
-- (days, percent, share 0..1, money in the base currency), which
-- direction is better, and the formula in words. definition_version is
-- the constant to raise whenever a formula in marts.kpi_monthly (or a
-- model it reads) changes: takt records every version with the settings
-- it ran under (ops.kpi_definitions), so past figures show which
-- definition produced them.
--
-- Rules that are part of every definition (version 1): amounts gross in
-- the base currency at the booked rate, else the rate of the last
-- document booked in that currency by the month end; as of the month's
-- last day (the as-of day for the running month) from dated documents,
-- payments, credit notes and dunning notices; working days Monday to
-- Friday except the configured holidays; an open credit note counts as
-- not due; a correction counts within 90 days of the invoice.
CREATE OR REPLACE TABLE marts.kpi_definitions AS
SELECT * FROM (VALUES
    (1,  'dso_days',                       1, 'days',    'lower',  'Period DSO: AR at month end / gross sales of the month x days of the month'),
    (2,  'dso_3m_days',                    1, 'days',    'lower',  'Trailing 3-month DSO: AR at month end / gross sales of the last three months x their days'),
    (3,  'dso_countback_days',             1, 'days',    'lower',  'Countback DSO: AR at month end explained by walking back through the months'' gross sales, counting their days'),
    (4,  'best_possible_dso_days',         1, 'days',    'lower',  'Best possible DSO: AR not yet due at month end / gross sales of the month x days of the month'),
    (5,  'average_days_delinquent',        1, 'days',    'lower',  'Average days delinquent: period DSO - best possible DSO'),
    (6,  'cei_percent',                    1, 'percent', 'higher', 'Collection effectiveness: (AR begin + sales - AR end) / (AR begin + sales - current AR end) x 100'),
    (7,  'ar_aging_not_due',               1, 'money',   'higher', 'Open receivables at month end not yet due (open credit notes included)'),
    (8,  'ar_aging_1_30',                  1, 'money',   'lower',  'Open receivables at month end 1 to 30 days past due'),
    (9,  'ar_aging_31_60',                 1, 'money',   'lower',  'Open receivables at month end 31 to 60 days past due'),
    (10, 'ar_aging_61_90',                 1, 'money',   'lower',  'Open receivables at month end 61 to 90 days past due'),
    (11, 'ar_aging_over_90',               1, 'money',   'lower',  'Open receivables at month end more than 90 days past due'),
    (12, 'time_to_invoice_median_days',    1, 'days',    'lower',  'Median days from the date work became billable to the invoice issued in the month'),
    (13, 'time_to_invoice_p90_days',       1, 'days',    'lower',  '90th percentile (PERCENTILE.INC) of those days'),
    (14, 'time_to_invoice_mean_days',      1, 'days',    'lower',  'Mean of those days weighted by the amount billed in the base currency'),
    (15, 'invoiced_within_5_working_days', 1, 'share',   'higher', 'Hours of the month''s approved T&M time invoiced by the 5th working day (Mon-Fri, not a configured holiday) after month end / all of them'),
    (16, 'unbilled_amount',                1, 'money',   'lower',  'Approved, billable work not invoiced at month end, at the applicable rate, in the base currency at the month-end rate'),
    (17, 'correction_rate',                1, 'share',   'lower',  'Invoices issued in the month corrected within 90 days (credit note, replacement, void) / invoices issued in the month'),
    (18, 'correction_rate_amount',         1, 'share',   'lower',  'Gross of those corrected invoices / gross of the invoices issued in the month'),
    (19, 'dunning_rate',                   1, 'share',   'lower',  'Invoices due in the month with a dunning notice of any level / invoices due in the month'),
    (20, 'dunning_rate_level_1',           1, 'share',   'lower',  'Invoices due in the month with a first reminder / invoices due in the month'),
    (21, 'dunning_rate_level_2',           1, 'share',   'lower',  'Invoices due in the month with a second reminder / invoices due in the month'),
    (22, 'dunning_rate_level_3',           1, 'share',   'lower',  'Invoices due in the month with a final reminder / invoices due in the month'),
    (23, 'dunning_fees',                   1, 'money',   'lower',  'Dunning fees of the notices sent in the month, in the base currency'),
    (24, 'automation_share',               1, 'share',   'higher', 'Lines of invoices issued in the month that came unchanged from a takt billing run / all their lines'),
    (25, 'automation_share_amount',        1, 'share',   'higher', 'Net amount of those lines / net amount of the invoices issued in the month')
) AS t(position, kpi, definition_version, unit, better, formula);

-- Every KPI of every month in one shape: value (NULL when undefined),
-- the reason when it is, and whether it may still change (the running
-- month; a correction rate younger than 90 days).
CREATE OR REPLACE TABLE marts.kpi_values AS
WITH v AS (
    SELECT k.month, k.complete, k.correction_rate_provisional, unnest([
        {kpi: 'dso_days',                       value: k.dso_days::DECIMAL(18,4),                   reason: k.dso_days_reason},
        {kpi: 'dso_3m_days',                    value: k.dso_3m_days::DECIMAL(18,4),                reason: k.dso_3m_days_reason},
        {kpi: 'dso_countback_days',             value: k.dso_countback_days::DECIMAL(18,4),         reason: k.dso_countback_days_reason},
        {kpi: 'best_possible_dso_days',         value: k.best_possible_dso_days::DECIMAL(18,4),     reason: k.best_possible_dso_days_reason},
        {kpi: 'average_days_delinquent',        value: k.average_days_delinquent::DECIMAL(18,4),    reason: k.average_days_delinquent_reason},
        {kpi: 'cei_percent',                    value: k.cei_percent::DECIMAL(18,4),                reason: k.cei_percent_reason},
        {kpi: 'ar_aging_not_due',               value: k.ar_not_due::DECIMAL(18,4),                 reason: NULL::VARCHAR},
        {kpi: 'ar_aging_1_30',                  value: k.ar_1_30::DECIMAL(18,4),                    reason: NULL::VARCHAR},
        {kpi: 'ar_aging_31_60',                 value: k.ar_31_60::DECIMAL(18,4),                   reason: NULL::VARCHAR},
        {kpi: 'ar_aging_61_90',                 value: k.ar_61_90::DECIMAL(18,4),                   reason: NULL::VARCHAR},
        {kpi: 'ar_aging_over_90',               value: k.ar_over_90::DECIMAL(18,4),                 reason: NULL::VARCHAR},
        {kpi: 'time_to_invoice_median_days',    value: k.time_to_invoice_median_days::DECIMAL(18,4), reason: k.time_to_invoice_median_days_reason},
        {kpi: 'time_to_invoice_p90_days',       value: k.time_to_invoice_p90_days::DECIMAL(18,4),   reason: k.time_to_invoice_p90_days_reason},
        {kpi: 'time_to_invoice_mean_days',      value: k.time_to_invoice_mean_days::DECIMAL(18,4),  reason: k.time_to_invoice_mean_days_reason},
        {kpi: 'invoiced_within_5_working_days', value: k.invoiced_within_5_working_days::DECIMAL(18,4), reason: k.invoiced_within_5_working_days_reason},
        {kpi: 'unbilled_amount',                value: k.unbilled_amount::DECIMAL(18,4),            reason: k.unbilled_amount_reason},
        {kpi: 'correction_rate',                value: k.correction_rate::DECIMAL(18,4),            reason: k.correction_rate_reason},
        {kpi: 'correction_rate_amount',         value: k.correction_rate_amount::DECIMAL(18,4),     reason: k.correction_rate_amount_reason},
        {kpi: 'dunning_rate',                   value: k.dunning_rate::DECIMAL(18,4),               reason: k.dunning_rate_reason},
        {kpi: 'dunning_rate_level_1',           value: k.dunning_rate_level_1::DECIMAL(18,4),       reason: k.dunning_rate_level_reason},
        {kpi: 'dunning_rate_level_2',           value: k.dunning_rate_level_2::DECIMAL(18,4),       reason: k.dunning_rate_level_reason},
        {kpi: 'dunning_rate_level_3',           value: k.dunning_rate_level_3::DECIMAL(18,4),       reason: k.dunning_rate_level_reason},
        {kpi: 'dunning_fees',                   value: k.dunning_fees::DECIMAL(18,4),               reason: k.dunning_fees_reason},
        {kpi: 'automation_share',               value: k.automation_share::DECIMAL(18,4),           reason: k.automation_share_reason},
        {kpi: 'automation_share_amount',        value: k.automation_share_amount::DECIMAL(18,4),    reason: k.automation_share_amount_reason}
    ]) AS f
    FROM marts.kpi_monthly k
)
SELECT
    v.month,
    v.f.kpi                                         AS kpi,
    v.f.value                                       AS value,
    CASE WHEN v.f.value IS NULL THEN coalesce(v.f.reason, 'undefined') END AS reason,
    NOT v.complete OR (v.f.kpi LIKE 'correction_rate%' AND v.correction_rate_provisional) AS provisional,
    d.definition_version
FROM v
JOIN marts.kpi_definitions d ON d.kpi = v.f.kpi;

-- The baseline of every KPI: the median of its values in the first three
-- complete months in which it has a final value (a month that has ended
-- by the as-of day, the value defined and no longer provisional). NULL
-- with the reason while fewer than three such months exist. A baseline
-- configured in takt.yaml (kpis.baselines) replaces it when shown.
CREATE OR REPLACE TABLE marts.kpi_baselines AS
WITH ranked AS (
    SELECT kpi, month, value,
           row_number() OVER (PARTITION BY kpi ORDER BY month) AS n
    FROM marts.kpi_values
    WHERE value IS NOT NULL AND NOT provisional
)
SELECT
    d.kpi,
    CASE WHEN count(r.month) = 3 THEN median(r.value) END::DECIMAL(18,4) AS value,
    list(r.month ORDER BY r.month) FILTER (WHERE r.month IS NOT NULL)     AS months,
    CASE WHEN count(r.month) < 3
         THEN 'fewer than three complete months with a value (' || count(r.month) || ' so far)' END AS reason
FROM marts.kpi_definitions d
LEFT JOIN ranked r ON r.kpi = d.kpi AND r.n <= 3
GROUP BY d.kpi;
