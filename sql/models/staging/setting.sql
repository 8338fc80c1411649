-- staging.setting('base_currency') reads a company setting that takt wrote
-- from takt.yaml before this run.
CREATE OR REPLACE MACRO staging.setting(k) AS (
    SELECT value FROM ops.settings WHERE key = k
);
