-- Automation share: every line of every customer invoice issued in a
-- month, and whether it came unchanged from a takt draft billing run
-- (reconcile.takt_invoice_lines, filled when a run is exported; a line a
-- person changed before export is recorded as manually_changed). Amounts
-- are net (the invoice's subtotal, the sum of its lines before tax) in the
-- base currency at the invoice's booked rate
-- (else the month-end rate of the issue month).
CREATE OR REPLACE TABLE marts.automation_lines AS
WITH issued AS (
    SELECT d.document_id, d.number, d.customer_id, d.issue_date, d.currency, d.net,
           coalesce(d.currency_rate, fx.rate) AS rate
    FROM core.invoices d
    LEFT JOIN marts.fx_month_end fx ON fx.month = date_trunc('month', d.issue_date) AND fx.currency = d.currency
    WHERE d.kind = 'invoice' AND d.issued
),
invoice_lines AS (
    SELECT i.document_id, count(*) AS lines
    FROM issued i JOIN staging.xero_invoice_lines l ON l.invoice_id = i.document_id
    GROUP BY i.document_id
),
takt AS (
    SELECT invoice_number,
           count(*) FILTER (WHERE NOT coalesce(manually_changed, true))                AS lines,
           coalesce(sum(amount) FILTER (WHERE NOT coalesce(manually_changed, true)), 0) AS amount,
           count(*) FILTER (WHERE coalesce(manually_changed, true))                    AS changed_lines
    FROM reconcile.takt_invoice_lines
    GROUP BY invoice_number
)
SELECT
    date_trunc('month', i.issue_date)::DATE         AS month,
    i.document_id,
    i.number,
    i.customer_id,
    c.name                                          AS customer,
    i.issue_date,
    i.currency,
    coalesce(l.lines, 0)                            AS lines,
    i.net,
    marts.to_base(i.net, i.rate)::DECIMAL(18,2) AS amount_base,
    coalesce(t.lines, 0)                            AS takt_lines,
    marts.to_base(coalesce(t.amount, 0), i.rate)::DECIMAL(18,2) AS takt_amount_base,
    coalesce(t.changed_lines, 0)                    AS changed_lines
FROM issued i
LEFT JOIN invoice_lines l USING (document_id)
LEFT JOIN takt t ON t.invoice_number = i.number
LEFT JOIN core.customers c USING (customer_id);
