-- Every issued invoice and credit note with its gross amount in the base
-- currency, signed (credit notes reduce sales), and the month it counts
-- in: gross_sales(M) of KPIS.md is the sum of gross_base over the
-- documents issued in M. Drafts and voided documents never count.
--
-- The rate is the one booked on the document; a foreign-currency document
-- without one is converted at the month-end rate of its issue month
-- (marts.fx_month_end); rate_source says which.
CREATE OR REPLACE TABLE marts.sales_documents AS
SELECT
    d.document_id,
    d.kind,
    d.number,
    d.customer_id,
    c.name                                          AS customer,
    d.currency,
    d.issue_date,
    d.due_date,
    date_trunc('month', d.issue_date)::DATE         AS month,
    d.gross,
    coalesce(d.currency_rate, fx.rate)              AS rate,
    CASE WHEN d.currency_rate IS NOT NULL THEN 'booked' ELSE fx.rate_source END AS rate_source,
    (CASE WHEN d.kind = 'credit_note' THEN -1 ELSE 1 END
     * marts.to_base(d.gross, coalesce(d.currency_rate, fx.rate)))::DECIMAL(18,2) AS gross_base
FROM core.invoices d
LEFT JOIN core.customers c USING (customer_id)
LEFT JOIN marts.fx_month_end fx ON fx.month = date_trunc('month', d.issue_date) AND fx.currency = d.currency
WHERE d.issued;
