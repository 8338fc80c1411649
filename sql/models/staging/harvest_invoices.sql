-- Harvest invoices in the current view (staging/sync.sql): the latest
-- version of each record the source still has, and their line items.
CREATE OR REPLACE TABLE staging.harvest_invoices AS
SELECT
    id                                  AS invoice_id,
    client_id,
    number,
    state,
    issue_date,
    due_date,
    sent_at,
    paid_at,
    upper(currency)                     AS currency,
    amount,
    due_amount,
    tax,
    tax_amount,
    subject,
    period_start,
    period_end,
    line_items,
    created_at,
    updated_at
FROM staging.current_harvest_invoices
WHERE _deleted_at IS NULL;

CREATE OR REPLACE TABLE staging.harvest_invoice_lines AS
SELECT
    i.invoice_id,
    i.number                            AS invoice_number,
    li.id                               AS line_id,
    li.kind,
    li.description,
    li.project_id,
    li.quantity,
    li.unit_price,
    li.amount,
    li.taxed
FROM staging.harvest_invoices i, unnest(i.line_items) AS u(li);
