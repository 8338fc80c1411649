-- Harvest task assignments (a project's current rate per task), latest
-- version per id.
CREATE OR REPLACE TABLE staging.harvest_task_assignments AS
SELECT
    id                                  AS task_assignment_id,
    project_id,
    task_id,
    coalesce(billable, false)           AS billable,
    coalesce(is_active, true)           AS is_active,
    hourly_rate,
    budget,
    updated_at
FROM raw.harvest_task_assignments
QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, _run_id DESC, _extracted_at DESC) = 1;
