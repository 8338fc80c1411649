-- Exchange rates from the current version of every FX rates file
-- (staging.files_current): one unit of base_currency buys rate units of
-- currency (as Xero's CurrencyRate and the ECB quote them, so
-- base amount = amount / rate). A file without a base currency column
-- quotes against the company's base currency. The same day and currency
-- pair in several files is taken from the newest file (its modification
-- time, then the later load, then the later file name).
CREATE OR REPLACE TABLE staging.files_fx_rates AS
WITH current_rows AS (
    SELECT r.*, coalesce(r.base_currency, staging.setting('base_currency')) AS base
    FROM raw.files_fx_rates r
    JOIN staging.files_current c
      ON c.stream = 'fx_rates' AND c.file = r.file AND c.file_sha256 = r.file_sha256
    -- A version loaded twice (a retried run) is taken from its latest load.
    QUALIFY r._run_id = max(r._run_id) OVER (PARTITION BY r.file)
)
SELECT date AS rate_date, base AS base_currency, currency, rate, file, row AS file_row
FROM current_rows
QUALIFY row_number() OVER (PARTITION BY date, base, currency ORDER BY updated_at DESC, _run_id DESC, file DESC) = 1;
