-- Xero invoices and bills, latest version per id, and their line items.
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
    updated_at
FROM raw.xero_invoices
QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, _run_id DESC, _extracted_at DESC) = 1;

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
