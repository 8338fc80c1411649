-- Xero credit notes in the current view (staging/sync.sql): the latest
-- version of each record the source still has, and their allocations to
-- invoices. VOIDED and DELETED credit notes stay, with their status (see
-- xero_invoices.sql).
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
    status = 'VOIDED'                   AS voided,
    CASE WHEN status = 'VOIDED' THEN _first_seen END  AS voided_at,
    CASE WHEN status = 'DELETED' THEN _first_seen END AS deleted_at,
    updated_at
FROM staging.current_xero_credit_notes
WHERE _deleted_at IS NULL;

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
