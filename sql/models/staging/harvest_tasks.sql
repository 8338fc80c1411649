-- Harvest tasks, latest version per id.
CREATE OR REPLACE TABLE staging.harvest_tasks AS
SELECT
    id                                  AS task_id,
    trim(name)                          AS name,
    billable_by_default,
    default_hourly_rate,
    coalesce(is_active, true)           AS is_active,
    updated_at
FROM raw.harvest_tasks
QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, _run_id DESC, _extracted_at DESC) = 1;
