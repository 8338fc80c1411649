-- Dunning: every issued invoice by the month it fell due in, with the
-- dunning notices it received (on or before the as-of day) by level, and
-- every notice by the month it was sent in with its fee in the base
-- currency (at the invoice's booked rate when the fee is in the invoice's
-- currency and the invoice has one, else the month-end rate of the
-- notice's month).
CREATE OR REPLACE TABLE marts.dunning_invoices AS
SELECT
    date_trunc('month', d.due_date)::DATE           AS month,
    d.document_id,
    d.number,
    d.customer_id,
    c.name                                          AS customer,
    d.issue_date,
    d.due_date,
    d.currency,
    d.gross,
    count(n.notice_id)                              AS notices,
    coalesce(max(n.level), 0)                       AS max_level,
    count(n.notice_id) FILTER (WHERE n.level = 1) > 0 AS level_1,
    count(n.notice_id) FILTER (WHERE n.level = 2) > 0 AS level_2,
    count(n.notice_id) FILTER (WHERE n.level >= 3) > 0 AS level_3,
    min(n.notice_date)                              AS first_notice_date,
    string_agg(n.notice_id || ' (level ' || n.level || ', ' || strftime(n.notice_date, '%Y-%m-%d') || ')', ', ' ORDER BY n.notice_date, n.level, n.notice_id) AS notice_list
FROM core.invoices d
LEFT JOIN core.customers c USING (customer_id)
LEFT JOIN core.dunning_notices n ON n.invoice_id = d.document_id AND n.notice_date <= staging.setting('as_of')::DATE
WHERE d.kind = 'invoice' AND d.issued AND d.due_date IS NOT NULL
GROUP BY ALL;

CREATE OR REPLACE TABLE marts.dunning_fees AS
SELECT
    date_trunc('month', n.notice_date)::DATE        AS month,
    n.notice_id,
    n.invoice_number,
    n.customer_id,
    c.name                                          AS customer,
    n.level,
    n.notice_date,
    n.fee,
    n.currency,
    coalesce(CASE WHEN n.currency = d.currency THEN d.currency_rate END, fx.rate) AS currency_rate,
    marts.to_base(n.fee, coalesce(CASE WHEN n.currency = d.currency THEN d.currency_rate END, fx.rate))::DECIMAL(18,2) AS fee_base
FROM core.dunning_notices n
LEFT JOIN core.invoices d ON d.document_id = n.invoice_id
LEFT JOIN core.customers c ON c.customer_id = n.customer_id
LEFT JOIN marts.fx_month_end fx ON fx.month = date_trunc('month', n.notice_date) AND fx.currency = n.currency
WHERE n.notice_date <= staging.setting('as_of')::DATE;
