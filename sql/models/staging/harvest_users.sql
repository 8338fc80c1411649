-- Harvest users (the people who track time), latest version per id.
CREATE OR REPLACE TABLE staging.harvest_users AS
SELECT
    id                                  AS user_id,
    trim(concat_ws(' ', first_name, last_name)) AS name,
    email,
    coalesce(is_active, true)           AS is_active,
    default_hourly_rate,
    cost_rate,
    updated_at
FROM raw.harvest_users
QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, _run_id DESC, _extracted_at DESC) = 1;
