-- Harvest time entries in the current view (staging/sync.sql): the latest
-- version of each record the source still has. approved is Harvest's
-- is_closed (the timesheet was approved); billed means an invoice is
-- linked or Harvest marks the entry as billed.
CREATE OR REPLACE TABLE staging.harvest_time_entries AS
SELECT
    id                                  AS entry_id,
    spent_date                          AS work_date,
    user_id,
    client_id,
    project_id,
    task_id,
    hours,
    rounded_hours,
    notes,
    coalesce(is_closed, false)          AS approved,
    coalesce(billable, false)           AS billable,
    coalesce(is_billed, false) OR invoice_id IS NOT NULL AS billed,
    billable_rate,
    cost_rate,
    invoice_id,
    invoice_number,
    nullif(trim(external_reference_id), '') AS external_reference_id,
    external_service,
    is_locked,
    locked_reason,
    created_at,
    updated_at
FROM staging.current_harvest_time_entries
WHERE _deleted_at IS NULL
  AND id NOT IN (SELECT record_id FROM staging.reference_rejects WHERE source = 'harvest' AND stream = 'time_entries');
