-- Xero credit notes, latest version per id, and their allocations to
-- invoices.
CREATE OR REPLACE TABLE staging.xero_credit_notes AS
SELECT
    id                                  AS credit_note_id,
    type,
    credit_note_number,
    nullif(trim(reference), '')         AS reference,
    contact_id,
    contact_name,
    status,
    date                                AS issue_date,
    upper(currency)                     AS currency,
    nullif(currency_rate, 0)          AS currency_rate,
    sub_total,
    total_tax,
    total,
    remaining_credit,
    allocations,
    line_items,
    updated_at
FROM raw.xero_credit_notes
QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, _run_id DESC, _extracted_at DESC) = 1;

CREATE OR REPLACE TABLE staging.xero_credit_allocations AS
SELECT
    c.credit_note_id,
    c.credit_note_number,
    a.allocation_id,
    a.invoice_id,
    a.invoice_number,
    a.amount,
    coalesce(a.date, c.issue_date)      AS allocated_on
FROM staging.xero_credit_notes c, unnest(c.allocations) AS u(a);
