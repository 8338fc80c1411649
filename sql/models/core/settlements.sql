-- Everything that reduced what a customer owes on a document, dated:
-- payments received on invoices, credit notes allocated to invoices, and
-- refunds paid out on credit notes. Amounts are in the document's
-- currency; a credit allocation reduces both the invoice and the credit
-- note.
CREATE OR REPLACE TABLE core.settlements AS
SELECT p.payment_id AS settlement_id, 'payment' AS kind, p.invoice_id AS document_id, p.paid_on AS settled_on, p.amount
FROM staging.xero_payments p
JOIN core.invoices d ON d.document_id = p.invoice_id AND d.kind = 'invoice'
WHERE p.status IS DISTINCT FROM 'DELETED'
UNION ALL
SELECT p.payment_id, 'refund', p.credit_note_id, p.paid_on, p.amount
FROM staging.xero_payments p
JOIN core.invoices d ON d.document_id = p.credit_note_id AND d.kind = 'credit_note'
WHERE p.status IS DISTINCT FROM 'DELETED'
UNION ALL
SELECT coalesce(a.allocation_id, a.credit_note_id || ':' || a.invoice_id), 'credit_allocation', a.invoice_id, a.allocated_on, a.amount
FROM staging.xero_credit_allocations a
JOIN core.invoices cn ON cn.document_id = a.credit_note_id AND cn.issued
UNION ALL
SELECT coalesce(a.allocation_id, a.credit_note_id || ':' || a.invoice_id), 'credit_allocated', a.credit_note_id, a.allocated_on, a.amount
FROM staging.xero_credit_allocations a
JOIN core.invoices cn ON cn.document_id = a.credit_note_id AND cn.issued;
