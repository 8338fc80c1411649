-- Xero payments in the current view (staging/sync.sql): the latest
-- version of each record the source still has. A DELETED payment (a
-- payment taken back in Xero) stays with its status and deleted_at, when
-- takt first read it so; core.settlements leaves it out.
CREATE OR REPLACE TABLE staging.xero_payments AS
SELECT
    id                                  AS payment_id,
    date                                AS paid_on,
    amount,
    nullif(currency_rate, 0)          AS currency_rate,
    payment_type,
    status,
    reference,
    is_reconciled,
    invoice_id,
    invoice_number,
    credit_note_id,
    credit_note_number,
    CASE WHEN status = 'DELETED' THEN _first_seen END AS deleted_at,
    updated_at
FROM staging.current_xero_payments
WHERE _deleted_at IS NULL;
