-- Dunning notices matched to the invoices they chase (by invoice number).
CREATE OR REPLACE TABLE core.dunning_notices AS
SELECT
    n.notice_id,
    n.invoice_number,
    d.document_id                                   AS invoice_id,
    d.customer_id,
    n.level,
    n.notice_date,
    n.fee,
    n.currency
FROM staging.files_dunning_notices n
LEFT JOIN core.invoices d ON d.kind = 'invoice' AND d.number = n.invoice_number;
