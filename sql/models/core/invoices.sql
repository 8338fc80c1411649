-- Customer invoices and credit notes as the books hold them (Xero), with
-- base-currency amounts. Xero's currency_rate is units of invoice currency
-- per unit of base currency, so base = amount / rate, rounded to cents.
-- Documents in the base currency have rate 1 whatever Xero recorded; a
-- foreign-currency document without a recorded rate has no base amount
-- (and fails the data test core_invoices_have_rate).
-- issued is true for documents that count (AUTHORISED or PAID): drafts,
-- submitted-for-approval, voided and deleted documents never do.
CREATE OR REPLACE TABLE core.invoices AS
SELECT
    x.invoice_id                                    AS document_id,
    'invoice'                                       AS kind,
    x.invoice_number                                AS number,
    x.reference,
    i.customer_id,
    x.contact_id,
    x.status,
    x.status IN ('AUTHORISED', 'PAID')              AS issued,
    x.issue_date,
    x.due_date,
    x.currency,
    CASE WHEN x.currency = staging.setting('base_currency') THEN 1 ELSE x.currency_rate END AS currency_rate,
    x.sub_total                                     AS net,
    x.total_tax                                     AS tax,
    x.total                                         AS gross,
    staging.div_cents(x.total, CASE WHEN x.currency = staging.setting('base_currency') THEN 1 ELSE x.currency_rate END)::DECIMAL(18,2) AS gross_base,
    x.amount_due,
    x.updated_at
FROM staging.xero_invoices x
LEFT JOIN core.customer_identity i ON i.system = 'xero' AND i.source_id = x.contact_id
WHERE x.type = 'ACCREC'
UNION ALL
SELECT
    c.credit_note_id,
    'credit_note',
    c.credit_note_number,
    c.reference,
    i.customer_id,
    c.contact_id,
    c.status,
    c.status IN ('AUTHORISED', 'PAID'),
    c.issue_date,
    NULL,
    c.currency,
    CASE WHEN c.currency = staging.setting('base_currency') THEN 1 ELSE c.currency_rate END,
    c.sub_total,
    c.total_tax,
    c.total,
    staging.div_cents(c.total, CASE WHEN c.currency = staging.setting('base_currency') THEN 1 ELSE c.currency_rate END)::DECIMAL(18,2),
    c.remaining_credit,
    c.updated_at
FROM staging.xero_credit_notes c
LEFT JOIN core.customer_identity i ON i.system = 'xero' AND i.source_id = c.contact_id
WHERE c.type = 'ACCRECCREDIT';
