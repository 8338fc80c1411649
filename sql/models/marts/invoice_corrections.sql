-- First-time-right: every customer invoice issued in a month, whether it
-- was corrected within 90 days of its issue date, and by what.
--
-- Corrections:
--   credit note: an issued credit note dated within the 90 days that
--     names the invoice's number as its Reference, or is allocated to it;
--   replacement: a later issued invoice to the same contact within the 90
--     days whose Reference names the invoice's number;
--   cancellation: the invoice was voided within the 90 days (its last
--     change, when Xero recorded the void). Xero voids only invoices that
--     were authorised, so a voided invoice was issued and then cancelled:
--     it counts here, although it never counts in sales, receivables or
--     DSO. Drafts never do.
--
-- Only corrections dated on or before the as-of day are known. A month is
-- provisional while its invoices can still be corrected: until 90 days
-- after its end. Amounts are gross in the base currency at the booked rate
-- (else the month-end rate of the issue month).
CREATE OR REPLACE TABLE marts.invoice_corrections AS
WITH inv AS (
    SELECT d.*, d.status = 'VOIDED' AS voided
    FROM core.invoices d
    WHERE d.kind = 'invoice' AND (d.issued OR d.status = 'VOIDED')
),
as_of AS (SELECT staging.setting('as_of')::DATE AS as_of),
credit_notes AS (
    SELECT document_id, number, issue_date, reference, contact_id FROM core.invoices
    WHERE kind = 'credit_note' AND issued
),
candidates AS (
    SELECT i.document_id, 'credit note ' || cn.number AS corrected_by, cn.issue_date AS corrected_on
    FROM inv i JOIN credit_notes cn ON upper(cn.reference) = upper(i.number) AND cn.contact_id = i.contact_id
    UNION ALL
    SELECT i.document_id, 'credit note ' || cn.number, cn.issue_date
    FROM inv i
    JOIN staging.xero_credit_allocations a ON a.invoice_id = i.document_id
    JOIN credit_notes cn ON cn.document_id = a.credit_note_id
    UNION ALL
    SELECT i.document_id, 'replacement ' || r.number, r.issue_date
    FROM inv i JOIN core.invoices r
      ON r.kind = 'invoice' AND r.issued AND r.document_id <> i.document_id
     AND upper(r.reference) = upper(i.number) AND r.contact_id = i.contact_id
    UNION ALL
    SELECT i.document_id, 'voided', i.updated_at::DATE
    FROM inv i WHERE i.voided
),
first_correction AS (
    SELECT c.document_id, arg_min(c.corrected_by, c.corrected_on) AS corrected_by, min(c.corrected_on) AS corrected_on
    FROM candidates c JOIN inv i USING (document_id), as_of
    WHERE c.corrected_on >= i.issue_date AND c.corrected_on <= i.issue_date + 90 AND c.corrected_on <= as_of.as_of
    GROUP BY c.document_id
)
SELECT
    date_trunc('month', i.issue_date)::DATE         AS month,
    i.document_id,
    i.number,
    i.status,
    i.customer_id,
    cu.name                                         AS customer,
    i.issue_date,
    i.currency,
    i.gross,
    marts.to_base(i.gross, coalesce(i.currency_rate, fx.rate))::DECIMAL(18,2) AS gross_base,
    f.document_id IS NOT NULL                       AS corrected,
    f.corrected_by,
    f.corrected_on
FROM inv i
LEFT JOIN first_correction f USING (document_id)
LEFT JOIN core.customers cu ON cu.customer_id = i.customer_id
LEFT JOIN marts.fx_month_end fx ON fx.month = date_trunc('month', i.issue_date) AND fx.currency = i.currency;
