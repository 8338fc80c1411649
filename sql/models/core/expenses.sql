-- Expenses with their customer and project.
CREATE OR REPLACE TABLE core.expenses AS
SELECT
    x.expense_id,
    x.work_date,
    x.user_id,
    x.project_id,
    p.project_code,
    p.name                                          AS project_name,
    p.customer_id,
    x.category,
    x.total_cost                                    AS amount,
    p.currency,
    x.approved,
    x.billable,
    x.billed,
    x.invoice_id,
    x.invoice_number,
    x.notes,
    x.updated_at
FROM staging.harvest_expenses x
LEFT JOIN core.projects p ON p.project_id = x.project_id;
