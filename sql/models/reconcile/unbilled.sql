-- Unbilled work: approved, billable work that no issued invoice covers, as
-- of a day. Time is valued at the rate that applies on its date
-- (core.time_entries.rate) and rounded to cents per item; expenses at
-- their cost; reached fixed-price milestones at their amount.
--
-- Work is covered by an invoice at the finest level the sources allow:
--
--   direct_link      the time tool links the entry (or expense) to an
--                    invoice, or takt billed it itself (billing.ledger).
--                    Work linked to a Harvest invoice counts as billed only
--                    if that invoice was issued on or before the day and
--                    is not a draft: an invoice that was never sent has
--                    billed nothing. A takt invoice bills from its date;
--                    a credit note releases what it credits from its date,
--                    so an item half credited is unbilled by the other
--                    half.
--   project_month    an issued invoice without such links (made in Xero,
--                    not synced from Harvest nor exported by takt, or a
--                    free-form invoice of the time tool) with lines
--                    tracked to a time-and-materials project bills that
--                    many hours of the project's unlinked work dated by
--                    the day, oldest first (invoices in issue order).
--   customer_month   what is left: lines of such invoices not tracked to a
--                    project bill that amount of the customer's remaining
--                    work in the invoice's currency, oldest first.
--
-- reconcile.residual_matches(as_of) lists the work matched on the two
-- coarser levels; reconcile.takt_billed(as_of) what takt billed.

CREATE OR REPLACE MACRO reconcile.takt_billed(as_of) AS TABLE
SELECT item_key, sum(quantity) AS quantity
FROM billing.ledger
WHERE effective_date <= as_of::DATE
GROUP BY item_key;

-- Invoices that bill work without naming it, issued by the day, and their
-- lines: invoices in the books that neither Harvest nor takt made, and
-- the lines of the time tool's invoices that no linked record accounts for
-- (core.free_form_invoice_lines; not drafts). (Joins, not IN or EXISTS:
-- see residual_matches.)
CREATE OR REPLACE MACRO reconcile.unlinked_invoice_lines(as_of) AS TABLE
SELECT
    x.invoice_id, x.invoice_number, x.issue_date, x.currency, i.customer_id,
    l.line_item_id, l.description, l.quantity, l.line_amount,
    p.project_code, p.billing_model
FROM staging.xero_invoices x
JOIN staging.xero_invoice_lines l ON l.invoice_id = x.invoice_id
LEFT JOIN core.customer_identity i ON i.system = 'xero' AND i.source_id = x.contact_id
LEFT JOIN core.projects p ON p.project_code = l.tracking_option
LEFT JOIN (SELECT DISTINCT number FROM staging.harvest_invoices) h ON h.number = x.invoice_number
LEFT JOIN (SELECT DISTINCT invoice_number FROM billing.numbers) n ON n.invoice_number = x.invoice_number
WHERE x.type = 'ACCREC' AND x.status IN ('AUTHORISED', 'PAID') AND x.issue_date <= as_of::DATE
  AND h.number IS NULL AND n.invoice_number IS NULL
UNION ALL
SELECT
    h.invoice_id, h.number, h.issue_date, h.currency, i.customer_id,
    h.line_id, h.description, h.quantity, h.amount,
    p.project_code, p.billing_model
FROM core.free_form_invoice_lines h
LEFT JOIN core.customer_identity i ON i.system = 'harvest' AND i.source_id = h.client_id
LEFT JOIN core.projects p ON p.project_id = h.project_id
WHERE h.state <> 'draft' AND h.issue_date <= as_of::DATE;

-- Hours invoiced per time-and-materials project by unlinked invoices, with
-- the running total in issue order.
CREATE OR REPLACE MACRO reconcile.project_invoiced_hours(as_of) AS TABLE
SELECT project_code, invoice_number, issue_date, hours, amount,
       sum(hours) OVER (PARTITION BY project_code ORDER BY issue_date, invoice_number) AS cum_hours
FROM (
    SELECT project_code, invoice_number, min(issue_date) AS issue_date,
           sum(quantity) AS hours, sum(line_amount) AS amount
    FROM reconcile.unlinked_invoice_lines(as_of)
    WHERE billing_model = 'time_and_materials'
    GROUP BY project_code, invoice_number
);

CREATE OR REPLACE MACRO reconcile.residual_matches(as_of) AS TABLE
WITH
ph AS (SELECT * FROM reconcile.project_invoiced_hours(as_of)),
tb AS (SELECT * FROM reconcile.takt_billed(as_of)),
cust_amount AS (
    SELECT customer_id, currency, invoice_number, issue_date, amount,
           sum(amount) OVER (PARTITION BY customer_id, currency ORDER BY issue_date, invoice_number) AS cum_amount
    FROM (
        SELECT customer_id, currency, invoice_number, min(issue_date) AS issue_date, sum(line_amount) AS amount
        FROM reconcile.unlinked_invoice_lines(as_of)
        WHERE project_code IS NULL AND customer_id IS NOT NULL
        GROUP BY customer_id, currency, invoice_number
    )
),
-- Unlinked approved time of the projects and customers such invoices
-- name (usually none: then nothing below reads the entries twice).
-- Inner joins with the (usually empty) lists of projects and customers
-- end the read of the entries at once when there is nothing to match.
-- (Joins, not IN or EXISTS: marts.wip_month_end calls these macros
-- through LATERAL, where DuckDB cannot flatten such subqueries.)
tb_time AS (SELECT substr(item_key, 6) AS entry_id, quantity FROM tb WHERE starts_with(item_key, 'time:')),
open_time AS (
    SELECT e.entry_id, e.project_code, e.customer_id, e.work_date, e.hours,
           round(e.hours * e.rate, 2)::DECIMAL(18,2) AS amount, e.currency
    FROM (
        SELECT e.* FROM core.open_time_entries e
        JOIN (SELECT DISTINCT project_code FROM ph) php ON php.project_code = e.project_code
        WHERE e.work_date <= as_of::DATE
        UNION ALL
        SELECT e.* FROM core.open_time_entries e
        JOIN (SELECT DISTINCT customer_id FROM cust_amount) cac ON cac.customer_id = e.customer_id
        LEFT JOIN (SELECT DISTINCT project_code FROM ph) php ON php.project_code = e.project_code
        WHERE e.work_date <= as_of::DATE AND php.project_code IS NULL
    ) e
    LEFT JOIN tb_time tb ON tb.entry_id = e.entry_id
    WHERE tb.entry_id IS NULL
),
time_pool AS (
    SELECT *, sum(hours) OVER (PARTITION BY project_code ORDER BY work_date, entry_id) AS cum_hours
    FROM open_time JOIN (SELECT DISTINCT project_code FROM ph) php USING (project_code)
),
by_project AS (
    SELECT 'time:' || t.entry_id AS item_key, 'time' AS kind, t.entry_id AS source_id,
           ph.invoice_number, 'project_month' AS match_level
    FROM time_pool t
    ASOF JOIN ph ON ph.project_code = t.project_code AND ph.cum_hours >= t.cum_hours
),
cust_pool AS (
    SELECT *, sum(amount) OVER (PARTITION BY customer_id, currency ORDER BY work_date, kind, source_id) AS cum_amount
    FROM (
        SELECT 'time' AS kind, o.entry_id AS source_id, o.customer_id, o.currency, o.work_date, o.amount
        FROM open_time o
        JOIN (SELECT DISTINCT customer_id FROM cust_amount) cac ON cac.customer_id = o.customer_id
        LEFT JOIN by_project bp ON bp.item_key = 'time:' || o.entry_id
        WHERE bp.item_key IS NULL
        UNION ALL
        SELECT 'expense', x.expense_id, x.customer_id, x.currency, x.work_date, round(x.amount, 2)::DECIMAL(18,2)
        FROM core.expenses x
        JOIN (SELECT DISTINCT customer_id FROM cust_amount) cac ON cac.customer_id = x.customer_id
        LEFT JOIN tb ON tb.item_key = 'expense:' || x.expense_id
        WHERE x.approved AND x.billable AND NOT x.billed AND x.work_date <= as_of::DATE
          AND tb.item_key IS NULL
    )
),
by_customer AS (
    SELECT p.kind || ':' || p.source_id AS item_key, p.kind, p.source_id, ca.invoice_number, 'customer_month' AS match_level
    FROM cust_pool p
    ASOF JOIN cust_amount ca ON ca.customer_id = p.customer_id AND ca.currency = p.currency AND ca.cum_amount >= p.cum_amount
)
SELECT * FROM by_project
UNION ALL
SELECT * FROM by_customer;

CREATE OR REPLACE MACRO reconcile.unbilled_as_of(as_of) AS TABLE
WITH hinv AS (
    SELECT invoice_id, issue_date, state FROM staging.harvest_invoices
),
xinv AS (
    SELECT number, min(issue_date) AS issue_date FROM core.invoices
    WHERE kind = 'invoice' AND issued GROUP BY number
),
tb AS (SELECT * FROM reconcile.takt_billed(as_of)),
rm AS (SELECT item_key FROM reconcile.residual_matches(as_of)),
-- Time is joined on its entry id, not on a key built for every entry.
tb_time AS (SELECT substr(item_key, 6) AS entry_id, quantity FROM tb WHERE starts_with(item_key, 'time:')),
rm_time AS (SELECT DISTINCT substr(item_key, 6) AS entry_id FROM rm WHERE starts_with(item_key, 'time:')),
-- Invoices of the time tool that bill the work linked to them as of the
-- day: issued and not drafts.
hcover AS (
    SELECT invoice_id FROM staging.harvest_invoices
    WHERE NOT coalesce(state = 'draft', false) AND NOT coalesce(issue_date > as_of::DATE, false)
),
-- Invoices that billed time links to but that bill nothing as of the day
-- (usually none). Found on the invoices (core.time_entry_invoices), so
-- that the entries of billed time, nearly all of them, are read only when
-- one of their invoices is among these; time not marked billed comes from
-- its own small table (core.open_time_entries).
link_open AS (
    SELECT l.invoice_id
    FROM core.time_entry_invoices l
    LEFT JOIN hcover h ON h.invoice_id = l.invoice_id
    WHERE l.first_work_date <= as_of::DATE AND h.invoice_id IS NULL
),
time_base AS (
    SELECT * FROM core.open_time_entries
    WHERE work_date <= as_of::DATE
    UNION ALL
    SELECT e.* FROM core.time_entries e
    JOIN link_open l ON l.invoice_id = e.invoice_id
    WHERE e.approved AND e.billable AND e.work_date <= as_of::DATE AND coalesce(e.billed, true)
),
time_open AS (
    SELECT e.*, e.hours - coalesce(tb.quantity, 0) AS open_hours
    FROM time_base e
    LEFT JOIN tb_time tb ON tb.entry_id = e.entry_id
    LEFT JOIN rm_time rm ON rm.entry_id = e.entry_id
    WHERE rm.entry_id IS NULL
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
    e.open_hours                                    AS hours,
    e.rate,
    e.rate_source,
    round(e.open_hours * e.rate, 2)::DECIMAL(18,2)  AS amount,
    e.currency,
    (as_of::DATE - e.work_date)                     AS age_days
FROM time_open e
LEFT JOIN core.customers c USING (customer_id)
WHERE e.open_hours > 0
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
LEFT JOIN tb ON tb.item_key = 'expense:' || x.expense_id
LEFT JOIN (SELECT DISTINCT item_key FROM rm) rm ON rm.item_key = 'expense:' || x.expense_id
WHERE x.approved AND x.billable AND x.work_date <= as_of::DATE
  AND (NOT x.billed
       OR (x.invoice_id IS NOT NULL AND (hinv.invoice_id IS NULL OR hinv.state = 'draft' OR hinv.issue_date > as_of::DATE)))
  AND coalesce(tb.quantity, 0) < 1
  AND rm.item_key IS NULL
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
LEFT JOIN tb ON tb.item_key = 'milestone:' || m.milestone_id
WHERE coalesce(m.accepted_on, m.reached_on) <= as_of::DATE
  AND (m.invoice_number IS NULL OR xinv.issue_date IS NULL OR xinv.issue_date > as_of::DATE)
  AND coalesce(tb.quantity, 0) < 1;

-- Unbilled work as of the run's as-of day.
CREATE OR REPLACE TABLE reconcile.unbilled_work AS
SELECT * FROM reconcile.unbilled_as_of(staging.setting('as_of')::DATE);
