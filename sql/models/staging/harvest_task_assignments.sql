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
FROM staging.current_harvest_task_assignments
WHERE _deleted_at IS NULL;
