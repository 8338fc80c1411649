-- Time to invoice: every work item that an issued invoice billed, with the
-- days from the date the work became billable to the invoice's issue
-- date, and its amount in the base currency (the weight of the
-- amount-weighted mean).
--
--   time entry, expense: billable on its date; invoiced by the Harvest
--     invoice linked to it, once that invoice is issued (not a draft) on
--     or before the as-of day, the same rule unbilled work uses.
--   milestone: billable on the day it was reached (the day it was
--     accepted when no reached day is recorded); invoiced by the issued
--     invoice its milestone row or an MS-<id> reference names.
--
-- The amount is what was billed: hours x the entry's rate (the applicable
-- rate when the entry has none), the expense's cost, the milestone's
-- amount; converted at the rate booked on the invoice of the same number
-- in the books, else the month-end rate of the invoice month.
-- Retainer fees are billed in advance and have no work date: they are no
-- work items. A month's figures are those of the invoices issued in it.
CREATE OR REPLACE VIEW marts.invoiced_work AS
WITH hinv AS (
    SELECT invoice_id, number, issue_date FROM staging.harvest_invoices
    WHERE state <> 'draft' AND issue_date <= staging.setting('as_of')::DATE
),
books AS (
    SELECT number, min(issue_date) AS issue_date, arg_min(currency_rate, issue_date) AS rate
    FROM core.invoices WHERE kind = 'invoice' AND issued GROUP BY number
),
items AS (
    SELECT 'time' AS kind, e.entry_id AS source_id, e.customer_id, e.project_code, e.project_name AS project,
           e.work_date, e.hours, round(e.hours * coalesce(e.entry_rate, e.rate), 2)::DECIMAL(18,2) AS amount,
           e.currency, h.number AS invoice_number, h.issue_date AS invoice_date
    FROM core.time_entries e JOIN hinv h ON h.invoice_id = e.invoice_id
    WHERE e.billed
    UNION ALL
    SELECT 'expense', x.expense_id, x.customer_id, x.project_code, x.project_name,
           x.work_date, 0::DECIMAL(18,4), round(x.amount, 2)::DECIMAL(18,2),
           x.currency, h.number, h.issue_date
    FROM core.expenses x JOIN hinv h ON h.invoice_id = x.invoice_id
    WHERE x.billed
    UNION ALL
    SELECT 'milestone', m.milestone_id, m.customer_id, m.project_code, m.project_name,
           coalesce(m.reached_on, m.accepted_on), 0::DECIMAL(18,4), round(m.amount, 2)::DECIMAL(18,2),
           m.currency, m.invoice_number, b.issue_date
    FROM core.milestones m JOIN books b ON b.number = m.invoice_number
    WHERE coalesce(m.reached_on, m.accepted_on) IS NOT NULL
      AND b.issue_date <= staging.setting('as_of')::DATE
)
SELECT
    date_trunc('month', i.invoice_date)::DATE       AS month,
    i.kind,
    i.source_id,
    i.customer_id,
    c.name                                          AS customer,
    i.project_code,
    i.project,
    i.work_date,
    i.invoice_number,
    i.invoice_date,
    i.invoice_date - i.work_date                    AS days,
    i.hours,
    i.amount,
    i.currency,
    coalesce(b.rate, fx.rate)                       AS currency_rate,
    marts.to_base(i.amount, coalesce(b.rate, fx.rate))::DECIMAL(18,2) AS amount_base
FROM items i
LEFT JOIN core.customers c USING (customer_id)
LEFT JOIN books b ON b.number = i.invoice_number
LEFT JOIN marts.fx_month_end fx ON fx.month = date_trunc('month', i.invoice_date) AND fx.currency = i.currency;

-- The invoicing speed of time-and-materials work: every approved, billable
-- time entry of a time-and-materials project, by the month it was worked
-- in, with the day an issued invoice billed it (NULL while none has) and
-- whether that was on or before the fifth working day after the month end
-- (marts.months.invoice_deadline). The share is by hours: expenses are no
-- work and have none.
CREATE OR REPLACE VIEW marts.tm_work_invoicing AS
WITH hinv AS (
    SELECT invoice_id, number, issue_date FROM staging.harvest_invoices
    WHERE state <> 'draft' AND issue_date <= staging.setting('as_of')::DATE
)
SELECT
    m.month,
    m.invoice_deadline,
    e.entry_id,
    e.customer_id,
    c.name                                          AS customer,
    e.project_code,
    e.project_name                                  AS project,
    e.work_date,
    e.hours,
    h.number                                        AS invoice_number,
    h.issue_date                                    AS invoice_date,
    coalesce(h.issue_date <= m.invoice_deadline, false) AS within_deadline
FROM core.time_entries e
JOIN marts.months m ON m.month = date_trunc('month', e.work_date)
LEFT JOIN hinv h ON h.invoice_id = e.invoice_id
LEFT JOIN core.customers c USING (customer_id)
WHERE e.approved AND e.billable AND e.billing_model = 'time_and_materials';
