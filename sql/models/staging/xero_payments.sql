-- Xero payments, latest version per id.
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
    updated_at
FROM raw.xero_payments
QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, _run_id DESC, _extracted_at DESC) = 1;
