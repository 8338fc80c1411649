-- Harvest expenses, latest version per id. approved is Harvest's
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
FROM raw.harvest_expenses
QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, _run_id DESC, _extracted_at DESC) = 1;
