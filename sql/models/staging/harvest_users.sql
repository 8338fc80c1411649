-- Harvest users (the people who track time) in the current view (staging/sync.sql): the latest
-- version of each record the source still has.
CREATE OR REPLACE TABLE staging.harvest_users AS
SELECT
    id                                  AS user_id,
    trim(concat_ws(' ', first_name, last_name)) AS name,
    email,
    coalesce(is_active, true)           AS is_active,
    default_hourly_rate,
    cost_rate,
    updated_at
FROM staging.current_harvest_users
WHERE _deleted_at IS NULL;
