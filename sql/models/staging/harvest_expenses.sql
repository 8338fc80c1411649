-- Harvest expenses in the current view (staging/sync.sql): the latest
-- version of each record the source still has. approved is Harvest's
-- is_closed.
CREATE OR REPLACE TABLE staging.harvest_expenses AS
SELECT
    id                                  AS expense_id,
    spent_date                          AS work_date,
    user_id,
    client_id,
    project_id,
    category,
    total_cost,
    units,
    coalesce(billable, false)           AS billable,
    coalesce(is_closed, false)          AS approved,
    coalesce(is_billed, false) OR invoice_id IS NOT NULL AS billed,
    invoice_id,
    invoice_number,
    notes,
    updated_at
FROM staging.current_harvest_expenses
WHERE _deleted_at IS NULL
  AND id NOT IN (SELECT record_id FROM staging.reference_rejects WHERE source = 'harvest' AND stream = 'expenses');
