-- Unbilled work: approved, billable work that no issued invoice covers, as
-- of a day. Time is valued at the rate that applies on its date
-- (core.time_entries.rate) and rounded to cents per item; expenses at
-- their cost; reached fixed-price milestones at their amount.
--
-- Work linked to a Harvest invoice counts as billed only if that invoice
-- was issued on or before the day and is not a draft: an invoice that was
-- never sent has billed nothing.
CREATE OR REPLACE MACRO reconcile.unbilled_as_of(as_of) AS TABLE
WITH hinv AS (
    SELECT invoice_id, issue_date, state FROM staging.harvest_invoices
),
xinv AS (
    SELECT number, min(issue_date) AS issue_date FROM core.invoices
    WHERE kind = 'invoice' AND issued GROUP BY number
)
SELECT
    'time'                                          AS kind,
    e.entry_id                                      AS source_id,
    e.customer_id,
    c.name                                          AS customer,
    e.project_code,
    e.project_name                                  AS project,
    e.task_name                                     AS task,
    e.user_name                                     AS person,
    e.work_date,
    e.hours,
    e.rate,
    e.rate_source,
    round(e.hours * e.rate, 2)::DECIMAL(18,2)       AS amount,
    e.currency,
    (as_of::DATE - e.work_date)                     AS age_days
FROM core.time_entries e
LEFT JOIN core.customers c USING (customer_id)
LEFT JOIN hinv ON hinv.invoice_id = e.invoice_id
WHERE e.approved AND e.billable AND e.work_date <= as_of::DATE
  AND (NOT e.billed
       OR (e.invoice_id IS NOT NULL AND (hinv.invoice_id IS NULL OR hinv.state = 'draft' OR hinv.issue_date > as_of::DATE)))
UNION ALL
SELECT
    'expense',
    x.expense_id,
    x.customer_id,
    c.name,
    x.project_code,
    x.project_name,
    x.category,
    NULL,
    x.work_date,
    0::DECIMAL(18,4),
    NULL,
    'expense',
    round(x.amount, 2)::DECIMAL(18,2),
    x.currency,
    (as_of::DATE - x.work_date)
FROM core.expenses x
LEFT JOIN core.customers c USING (customer_id)
LEFT JOIN hinv ON hinv.invoice_id = x.invoice_id
WHERE x.approved AND x.billable AND x.work_date <= as_of::DATE
  AND (NOT x.billed
       OR (x.invoice_id IS NOT NULL AND (hinv.invoice_id IS NULL OR hinv.state = 'draft' OR hinv.issue_date > as_of::DATE)))
UNION ALL
SELECT
    'milestone',
    m.milestone_id,
    m.customer_id,
    c.name,
    m.project_code,
    m.project_name,
    m.name,
    NULL,
    coalesce(m.accepted_on, m.reached_on),
    0::DECIMAL(18,4),
    NULL,
    'milestone',
    round(m.amount, 2)::DECIMAL(18,2),
    m.currency,
    (as_of::DATE - coalesce(m.accepted_on, m.reached_on))
FROM core.milestones m
LEFT JOIN core.customers c USING (customer_id)
LEFT JOIN xinv ON xinv.number = m.invoice_number
WHERE coalesce(m.accepted_on, m.reached_on) <= as_of::DATE
  AND (m.invoice_number IS NULL OR xinv.issue_date IS NULL OR xinv.issue_date > as_of::DATE);

-- Unbilled work as of the run's as-of day.
CREATE OR REPLACE TABLE reconcile.unbilled_work AS
SELECT * FROM reconcile.unbilled_as_of(staging.setting('as_of')::DATE);
