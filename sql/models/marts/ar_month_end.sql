-- What was open on every issued invoice and credit note at the end of
-- each month, from dated settlements only: a payment received after the
-- month end never changes that month. open_base is in the base currency at
-- the document's recorded rate, signed: credit notes reduce receivables.
CREATE OR REPLACE TABLE marts.ar_month_end AS
WITH open AS (
    SELECT
        m.month,
        m.month_end,
        d.document_id,
        d.kind,
        d.number,
        d.customer_id,
        d.currency,
        d.currency_rate,
        d.issue_date,
        d.due_date,
        d.gross,
        coalesce(sum(s.amount) FILTER (WHERE s.settled_on <= m.month_end), 0) AS settled
    FROM marts.months m
    JOIN core.invoices d ON d.issued AND d.issue_date <= m.month_end
    LEFT JOIN core.settlements s ON s.document_id = d.document_id
    GROUP BY ALL
)
SELECT
    * EXCLUDE (gross, settled),
    gross - settled                                 AS open_amount,
    (CASE WHEN kind = 'credit_note' THEN -1 ELSE 1 END * staging.div_cents(gross - settled, currency_rate))::DECIMAL(18,2) AS open_base,
    CASE WHEN kind = 'invoice' THEN greatest(month_end - due_date, 0) END AS days_past_due
FROM open
WHERE gross - settled <> 0;
