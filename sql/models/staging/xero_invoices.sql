-- Xero invoices and bills in the current view (staging/sync.sql): the latest
-- version of each record the source still has, and their line items.
-- VOIDED and DELETED documents stay, with their status: Xero lists them,
-- and they never count as issued (core.invoices). voided_at and
-- deleted_at are when takt first read the document in that status.
CREATE OR REPLACE TABLE staging.xero_invoices AS
SELECT
    id                                  AS invoice_id,
    type,
    invoice_number,
    nullif(trim(reference), '')         AS reference,
    contact_id,
    contact_name,
    status,
    date                                AS issue_date,
    due_date,
    upper(currency)                     AS currency,
    nullif(currency_rate, 0)          AS currency_rate,
    line_amount_types,
    sub_total,
    total_tax,
    total,
    amount_due,
    amount_paid,
    amount_credited,
    fully_paid_on,
    line_items,
    status = 'VOIDED'                   AS voided,
    CASE WHEN status = 'VOIDED' THEN _first_seen END  AS voided_at,
    CASE WHEN status = 'DELETED' THEN _first_seen END AS deleted_at,
    updated_at
FROM staging.current_xero_invoices
WHERE _deleted_at IS NULL;

CREATE OR REPLACE TABLE staging.xero_invoice_lines AS
SELECT
    i.invoice_id,
    i.invoice_number,
    li.line_item_id,
    li.description,
    li.quantity,
    li.unit_amount,
    li.line_amount,
    li.tax_amount,
    li.tax_type,
    li.account_code,
    li.item_code,
    li.tracking_option
FROM staging.xero_invoices i, unnest(i.line_items) AS u(li);
