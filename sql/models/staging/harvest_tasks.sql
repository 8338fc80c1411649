-- Harvest tasks in the current view (staging/sync.sql): the latest
-- version of each record the source still has.
CREATE OR REPLACE TABLE staging.harvest_tasks AS
SELECT
    id                                  AS task_id,
    trim(name)                          AS name,
    billable_by_default,
    default_hourly_rate,
    coalesce(is_active, true)           AS is_active,
    updated_at
FROM staging.current_harvest_tasks
WHERE _deleted_at IS NULL;
