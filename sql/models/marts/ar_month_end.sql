-- What was open on every issued invoice and credit note at the end of
-- each month (the as-of day for the running month), from dated
-- settlements only: a payment received after the month end never changes
-- that month. open_base is in the base currency at the document's booked
-- rate (else the month-end rate), signed: credit notes reduce
-- receivables.
--
-- An invoice without a due date is due after the company's payment terms
-- (company.payment_terms_days). Aging buckets count days past due at the
-- month end: not_due, 1_30, 31_60, 61_90, over_90. An open credit note has
-- no due date; it counts as not due, so the buckets add up to AR_end and
-- current AR (what is not yet due) is net of unallocated credit.
CREATE OR REPLACE TABLE marts.ar_month_end AS
WITH open AS (
    SELECT
        m.month,
        m.as_of_day                                 AS month_end,
        d.document_id,
        d.kind,
        d.number,
        d.customer_id,
        d.currency,
        d.currency_rate,
        d.issue_date,
        CASE WHEN d.kind = 'invoice'
             THEN coalesce(d.due_date, d.issue_date + staging.setting('payment_terms')::INTEGER) END AS due_date,
        d.gross,
        coalesce(sum(s.amount) FILTER (WHERE s.settled_on <= m.as_of_day), 0) AS settled
    FROM marts.months m
    JOIN core.invoices d ON d.issued AND d.issue_date <= m.as_of_day
    LEFT JOIN core.settlements s ON s.document_id = d.document_id
    GROUP BY ALL
)
SELECT
    o.month,
    o.month_end,
    o.document_id,
    o.kind,
    o.number,
    o.customer_id,
    c.name                                          AS customer,
    o.currency,
    coalesce(o.currency_rate, fx.rate)              AS currency_rate,
    CASE WHEN o.currency_rate IS NOT NULL THEN 'booked' ELSE fx.rate_source END AS rate_source,
    o.issue_date,
    o.due_date,
    o.gross,
    o.gross - o.settled                             AS open_amount,
    (CASE WHEN o.kind = 'credit_note' THEN -1 ELSE 1 END
     * marts.to_base(o.gross - o.settled, coalesce(o.currency_rate, fx.rate)))::DECIMAL(18,2) AS open_base,
    CASE WHEN o.kind = 'invoice' THEN greatest(o.month_end - o.due_date, 0) END AS days_past_due,
    marts.aging_bucket(CASE WHEN o.kind = 'invoice' THEN o.month_end - o.due_date ELSE 0 END) AS aging_bucket
FROM open o
LEFT JOIN core.customers c USING (customer_id)
LEFT JOIN marts.fx_month_end fx ON fx.month = o.month AND fx.currency = o.currency
WHERE o.gross - o.settled <> 0;
