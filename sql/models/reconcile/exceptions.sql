-- reconcile.billed_on('10009', '10009'): where two copies were billed, for
-- the sentences of double_billed ("on invoice 10009", "invoices 10009 and
-- 10012").
CREATE OR REPLACE MACRO reconcile.billed_on(a, b) AS (
    CASE WHEN a IS NOT DISTINCT FROM b THEN 'on invoice ' || coalesce(a, '?')
         ELSE 'invoices ' || coalesce(a, '?') || ' and ' || coalesce(b, '?') END
);

-- Billing exceptions as of the run's as-of day: each with its kind, the
-- records involved, the amount at stake (in the work's currency) and a
-- sentence a controller understands. match_level says how the work was tied
-- to the invoice: direct_link (the time tool or takt records which invoice
-- billed the work), project_month (invoiced hours of a project against its
-- approved work), customer_month (the residual), or, for findings that
-- compare against master data rather than an invoice, rate_card, budget,
-- milestone, customer or vat.
--
-- double_billed: the same work is billed twice. Two billed time entries
--   imported from the same issue-tracker item (same external reference),
--   or, for entries without one, identical in person, project, task, date,
--   hours and notes. Every copy after the first is an exception; the
--   amount is what the copy billed (hours x its rate).
-- rate_mismatch: an approved, billable entry whose rate differs from the
--   rate card valid on its date. Only entries the rate card covers are
--   checked: Harvest's current task rate is no evidence for older work.
--   The amount is hours x (entry rate - card rate), signed: positive means
--   the customer is (or would be) charged too much.
-- over_budget: a project whose approved hours (by the as-of day) exceed
--   its budget in hours plus the extra hours of change requests approved by
--   then. The records are the entries beyond the budget (in date order);
--   the amount is their value at their rates (the part of an entry that
--   crosses the line pro rata), unsigned.
-- billed_not_approved: an entry billed on an issued invoice although its
--   timesheet is not approved. The amount is what it billed.
-- changed_after_billing: the hours or rate of billed work changed after
--   the invoice: for an invoice of the time tool, an entry updated after
--   the invoice's date on an invoice whose lines for that project no
--   longer agree with its entries; for a takt invoice, an item whose hours
--   or rate now differ from what the invoice billed. The amount is the
--   current value minus the billed value, signed (negative: billed too
--   much).
-- milestone_not_invoiced: a fixed-price milestone reached (or accepted)
--   by the as-of day that no issued invoice covers. The amount is the
--   milestone's.
-- invoice_without_work: invoiced hours beyond approved hours: lines of a
--   time-tool invoice that bill more hours of a project than the entries
--   linked to it (and no entry changed after the invoice to explain it), or
--   hours an unlinked invoice bills on a project beyond all its unlinked
--   approved work. The amount is the excess hours at the lines' rates.
-- customer_unmatched: a Harvest client with time entries or a Xero
--   contact with sales invoices that could not be matched to a customer
--   known in the other systems. The amount is the work or invoices at
--   stake (approved billable time, resp. invoice totals).
-- reverse_charge_without_vat_id: an EU customer outside the home country
--   without a VAT id of valid format (core.customer_vat), that was
--   invoiced without VAT or has unbilled work: reverse charge is not
--   possible without it, so home VAT is due. The amount is that VAT at the
--   standard rate on the untaxed net invoiced plus the unbilled work.
-- stale_unbilled: unbilled time and expenses older than the configured
--   age (stale_after_days). One exception per project, month of work and
--   currency; the amount is their value.
--
-- id_key is the part of an exception's id its records do not give (the
-- month of stale work).
CREATE OR REPLACE TABLE reconcile.exceptions AS
WITH
as_of AS (SELECT staging.setting('as_of')::DATE AS d),
-- Copies are found by hashing first (most work has none): the billed
-- entries' 64-bit hashes of the reference, or of person, project, task,
-- date, hours and notes, are sorted and compared with their neighbours
-- (sorting millions of hashes is about twice as fast as grouping them);
-- only the entries of hashes seen more than once are then compared
-- exactly and ordered (a hash collision leaves a copy number of 1: no
-- finding).
ref_dups AS (
    SELECT DISTINCT h FROM (
        SELECT h, lag(h) OVER (ORDER BY h) AS prev FROM (
            SELECT hash(external_reference_id) AS h FROM core.time_entries
            WHERE billed AND external_reference_id IS NOT NULL))
    WHERE h = prev
),
content_dups AS (
    SELECT DISTINCT h FROM (
        SELECT h, lag(h) OVER (ORDER BY h) AS prev FROM (
            SELECT hash(user_id, project_id, task_id, work_date, hours, coalesce(notes, '')) AS h FROM core.time_entries
            WHERE billed AND external_reference_id IS NULL
              AND user_id IS NOT NULL AND project_id IS NOT NULL AND work_date IS NOT NULL AND hours IS NOT NULL))
    WHERE h = prev
),
-- The entries (few) are picked by their row ids: with the models' join
-- filter setting (transform.modelSettings) the scan reads only their rows,
-- not every column of all billed time.
ref_dup_rows AS (
    SELECT rowid AS r FROM core.time_entries
    WHERE billed AND external_reference_id IS NOT NULL
      AND hash(external_reference_id) IN (SELECT h FROM ref_dups)
),
content_dup_rows AS (
    SELECT rowid AS r FROM core.time_entries
    WHERE billed AND external_reference_id IS NULL
      AND user_id IS NOT NULL AND project_id IS NOT NULL AND work_date IS NOT NULL AND hours IS NOT NULL
      AND hash(user_id, project_id, task_id, work_date, hours, coalesce(notes, '')) IN (SELECT h FROM content_dups)
),
by_ref AS (
    SELECT e.*, c.name AS customer,
           first_value(entry_id) OVER w       AS original_id,
           first_value(invoice_number) OVER w AS original_invoice,
           row_number() OVER w                AS copy_no
    FROM core.time_entries e
    LEFT JOIN core.customers c USING (customer_id)
    WHERE e.rowid IN (SELECT r FROM ref_dup_rows)
    WINDOW w AS (PARTITION BY external_reference_id ORDER BY created_at, entry_id)
),
by_content AS (
    SELECT e.*, c.name AS customer,
           first_value(entry_id) OVER w       AS original_id,
           first_value(invoice_number) OVER w AS original_invoice,
           row_number() OVER w                AS copy_no
    FROM core.time_entries e
    LEFT JOIN core.customers c ON c.customer_id = e.customer_id
    WHERE e.rowid IN (SELECT r FROM content_dup_rows)
    WINDOW w AS (PARTITION BY e.user_id, e.project_id, e.task_id, e.work_date, e.hours, coalesce(e.notes, '') ORDER BY e.created_at, e.entry_id)
),
double_billed AS (
    SELECT
        'double_billed'                                 AS kind,
        customer_id, customer, project_code, project_name AS project,
        [original_id, entry_id]                         AS source_ids,
        [original_invoice, invoice_number]              AS invoice_numbers,
        round(hours * entry_rate, 2)::DECIMAL(18,2)     AS amount,
        currency,
        'direct_link'                                   AS match_level,
        printf('Time entry %s (%s, %s, %s h on %s) repeats entry %s: both come from %s item %s and both are billed (%s), so the customer is charged twice for the same work.',
               entry_id, coalesce(user_name, 'unknown person'), strftime(work_date, '%Y-%m-%d'),
               round(hours, 2)::DECIMAL(18,2)::VARCHAR, coalesce(project_name, project_code, 'unknown project'),
               original_id, coalesce(external_service, 'the issue tracker'), external_reference_id,
               reconcile.billed_on(original_invoice, invoice_number)) AS reason, NULL::VARCHAR AS id_key
    FROM by_ref WHERE copy_no > 1
    UNION ALL
    SELECT
        'double_billed', customer_id, customer, project_code, project_name,
        [original_id, entry_id], [original_invoice, invoice_number],
        round(hours * entry_rate, 2)::DECIMAL(18,2), currency, 'direct_link',
        printf('Time entry %s (%s, %s, %s h on %s) is identical to entry %s in person, task, date, hours and notes, and both are billed (%s): the same work is probably charged twice.',
               entry_id, coalesce(user_name, 'unknown person'), strftime(work_date, '%Y-%m-%d'),
               round(hours, 2)::DECIMAL(18,2)::VARCHAR, coalesce(project_name, project_code, 'unknown project'),
               original_id, reconcile.billed_on(original_invoice, invoice_number)), NULL
    FROM by_content WHERE copy_no > 1
),
rate_mismatch AS (
    SELECT
        'rate_mismatch'                                 AS kind,
        e.customer_id, c.name AS customer, e.project_code, e.project_name AS project,
        [e.entry_id]                                    AS source_ids,
        CASE WHEN e.invoice_number IS NOT NULL THEN [e.invoice_number] ELSE [] END AS invoice_numbers,
        round(e.hours * (e.entry_rate - e.card_rate), 2)::DECIMAL(18,2) AS amount,
        e.currency,
        CASE WHEN e.billed THEN 'direct_link' ELSE 'rate_card' END AS match_level,
        printf('Time entry %s (%s, %s, %s h on %s) %s %s %s/h, but the rate card valid on that date says %s %s/h: %s %s too %s.',
               e.entry_id, coalesce(e.user_name, 'unknown person'), strftime(e.work_date, '%Y-%m-%d'),
               round(e.hours, 2)::DECIMAL(18,2)::VARCHAR, coalesce(e.project_name, e.project_code, 'unknown project'),
               CASE WHEN e.billed THEN 'was billed at' ELSE 'carries a rate of' END,
               round(e.entry_rate, 2)::DECIMAL(18,2)::VARCHAR, e.currency,
               round(e.card_rate, 2)::DECIMAL(18,2)::VARCHAR, e.currency,
               abs(round(e.hours * (e.entry_rate - e.card_rate), 2))::DECIMAL(18,2)::VARCHAR, e.currency,
               CASE WHEN e.entry_rate > e.card_rate THEN 'much' ELSE 'little' END) AS reason, NULL::VARCHAR AS id_key
    FROM core.time_entries e
    LEFT JOIN core.customers c USING (customer_id)
    -- Found on the four columns first, then read in full (see ref_dup_rows).
    WHERE e.rowid IN (SELECT rowid FROM core.time_entries
                      WHERE approved AND billable AND card_rate IS NOT NULL AND entry_rate IS NOT NULL AND entry_rate <> card_rate)
),
-- Budgets: hours approved by the as-of day against the budget plus the
-- change requests approved by then.
budget AS (
    SELECT p.project_id, p.project_code, p.name AS project, p.customer_id, p.currency, p.budget_hours,
           coalesce(sum(cr.extra_hours) FILTER (WHERE cr.approved AND cr.approved_on <= (SELECT d FROM as_of)), 0) AS cr_hours,
           count(cr.change_request_id) FILTER (WHERE NOT cr.approved) AS open_requests
    FROM core.projects p
    LEFT JOIN core.change_requests cr ON cr.project_code = p.project_code
    WHERE p.budget_hours IS NOT NULL
    GROUP BY ALL
),
-- The running total of approved hours is taken per day first (a project
-- has far fewer days than entries); entries are ordered one by one only
-- on the days that cross the budget (or that hold negative hours, where a
-- running total can rise above the day's end).
budget_days AS (
    SELECT project_id, work_date, allowed, has_negative, before_day,
           coalesce(before_day + day_hours, before_day, day_hours) AS day_end
    FROM (
        SELECT e.project_id, e.work_date, any_value(b.budget_hours + b.cr_hours) AS allowed,
               sum(e.hours) AS day_hours, bool_or(e.hours < 0) AS has_negative,
               sum(sum(e.hours)) OVER (PARTITION BY e.project_id ORDER BY e.work_date
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_day
        FROM core.time_entries e
        JOIN budget b ON b.project_id = e.project_id
        WHERE e.approved AND e.work_date <= (SELECT d FROM as_of)
        GROUP BY e.project_id, e.work_date
    )
),
budget_entries AS (
    SELECT entry_id, project_id, hours, rate, work_date, allowed,
           coalesce(before_day + within_day, before_day, within_day) AS cum
    FROM (
        SELECT e.entry_id, e.project_id, e.hours, coalesce(e.rate, 0) AS rate, e.work_date, d.allowed, d.before_day,
               sum(e.hours) OVER (PARTITION BY e.project_id, e.work_date ORDER BY e.entry_id) AS within_day
        FROM core.time_entries e
        JOIN budget_days d ON d.project_id = e.project_id AND d.work_date = e.work_date
        WHERE e.approved AND (d.day_end > d.allowed OR d.has_negative)
    )
),
beyond AS (
    SELECT *, least(hours, cum - allowed) AS excess
    FROM budget_entries WHERE cum > allowed
),
over_budget AS (
    SELECT
        'over_budget' AS kind,
        b.customer_id, c.name AS customer, b.project_code, b.project,
        -- Sorting each group's list of structs is much faster than an
        -- ordered aggregate; the order is the same (date, then id).
        list_transform(list_sort(list({'d': x.work_date, 'id': x.entry_id})), x -> x.id) AS source_ids,
        []::VARCHAR[] AS invoice_numbers,
        round(sum(x.excess * x.rate), 2)::DECIMAL(18,2) AS amount,
        b.currency,
        'budget' AS match_level,
        printf('Project %s has %s approved hours against a budget of %s h%s: %s h (%s %s) are beyond the budget without an approved change request%s.',
               coalesce(b.project, b.project_code), round(max(x.cum), 2)::DECIMAL(18,2)::VARCHAR,
               round(b.budget_hours, 2)::DECIMAL(18,2)::VARCHAR,
               CASE WHEN b.cr_hours > 0 THEN printf(' plus %s h of approved change requests', round(b.cr_hours, 2)::DECIMAL(18,2)::VARCHAR) ELSE '' END,
               round(sum(x.excess), 2)::DECIMAL(18,2)::VARCHAR, round(sum(x.excess * x.rate), 2)::DECIMAL(18,2)::VARCHAR, b.currency,
               CASE WHEN b.open_requests > 0 THEN printf(' (%d change request(s) pending or rejected)', b.open_requests) ELSE '' END) AS reason, NULL::VARCHAR AS id_key
    FROM beyond x
    JOIN budget b ON b.project_id = x.project_id
    LEFT JOIN core.customers c ON c.customer_id = b.customer_id
    GROUP BY b.customer_id, c.name, b.project_code, b.project, b.currency, b.budget_hours, b.cr_hours, b.open_requests
),
-- Issued invoices of the time tool.
hinv AS (
    SELECT invoice_id, number, issue_date FROM staging.harvest_invoices
    WHERE state <> 'draft' AND issue_date <= (SELECT d FROM as_of)
),
-- Time linked to them, with the invoice.
hlinked AS (
    SELECT e.*, h.number AS inv_number, h.issue_date AS inv_date, h.invoice_id AS inv_id
    FROM core.time_entries e
    JOIN hinv h ON h.invoice_id = e.invoice_id
),
billed_not_approved AS (
    SELECT
        'billed_not_approved' AS kind,
        e.customer_id, c.name AS customer, e.project_code, e.project_name AS project,
        [e.entry_id] AS source_ids, [e.inv_number] AS invoice_numbers,
        round(e.hours * e.entry_rate, 2)::DECIMAL(18,2) AS amount, e.currency, 'direct_link' AS match_level,
        printf('Time entry %s (%s, %s, %s h on %s) was billed on invoice %s of %s, but its timesheet is not approved.',
               e.entry_id, coalesce(e.user_name, 'unknown person'), strftime(e.work_date, '%Y-%m-%d'),
               round(e.hours, 2)::DECIMAL(18,2)::VARCHAR, coalesce(e.project_name, e.project_code, 'unknown project'),
               e.inv_number, strftime(e.inv_date, '%Y-%m-%d')) AS reason, NULL::VARCHAR AS id_key
    FROM hlinked e LEFT JOIN core.customers c USING (customer_id)
    WHERE NOT e.approved
),
-- Per invoice, project and rate: hours of the linked entries now against
-- hours of the invoice's time lines, in one grouping of both (entries
-- count positive, lines negative): far fewer groups than entries, and
-- no join of two large groupings.
linked_diff AS (
    SELECT inv_id, project_id, rate, sum(hours) AS diff_hours,
           -- The day of the latest change; casting the latest time once
           -- per group, not every entry's (a time zone conversion).
           max(updated_at)::DATE AS last_change
    FROM (
        SELECT invoice_id AS inv_id, project_id, entry_rate AS rate, hours, updated_at
        FROM core.time_entries
        WHERE invoice_id IS NOT NULL
        UNION ALL
        SELECT invoice_id, project_id, unit_price, -quantity, NULL
        FROM staging.harvest_invoice_lines
        WHERE kind = 'Service' AND project_id IS NOT NULL
    )
    GROUP BY inv_id, project_id, rate
),
-- The pairs of invoice and project whose hours differ at some rate (few),
-- of the issued invoices with time linked to them: those with no line in
-- core.free_form_invoice_lines (the others bill work by project instead:
-- without_work_project).
invoice_project_diff AS (
    SELECT inv_id, project_id, sum(diff_hours) AS diff_hours,
           round(sum(round(diff_hours * rate, 2)), 2)::DECIMAL(18,2) AS diff_amount,
           max(last_change) AS last_change
    FROM linked_diff
    WHERE inv_id IN (SELECT invoice_id FROM hinv)
      AND inv_id NOT IN (SELECT invoice_id FROM core.free_form_invoice_lines)
    GROUP BY inv_id, project_id
    HAVING bool_or(diff_hours <> 0)
),
-- The entries changed after their invoice, of the pairs that differ.
changed_entries AS (
    SELECT ip.inv_id, ip.project_id, list(e.entry_id ORDER BY e.entry_id) AS changed
    FROM invoice_project_diff ip
    JOIN hinv h ON h.invoice_id = ip.inv_id
    JOIN core.time_entries e ON e.invoice_id = ip.inv_id AND e.project_id IS NOT DISTINCT FROM ip.project_id
    WHERE ip.last_change > h.issue_date AND e.updated_at::DATE > h.issue_date
    GROUP BY ALL
),
invoice_project AS (
    SELECT ip.inv_id, ip.project_id, ip.diff_hours, ip.diff_amount, coalesce(c.changed, []::VARCHAR[]) AS changed
    FROM invoice_project_diff ip
    LEFT JOIN changed_entries c ON c.inv_id = ip.inv_id AND c.project_id IS NOT DISTINCT FROM ip.project_id
),
-- The invoice's time lines, listed only where the entries differ (by
-- rate, then line id).
differing_lines AS (
    SELECT l.invoice_id AS inv_id, l.project_id, list(l.line_id ORDER BY l.unit_price, l.line_id) AS line_ids
    FROM staging.harvest_invoice_lines l
    JOIN invoice_project ip ON ip.inv_id = l.invoice_id AND ip.project_id = l.project_id
    WHERE l.kind = 'Service'
    GROUP BY ALL
),
invoice_project_named AS (
    SELECT ip.*, coalesce(dl.line_ids, []::VARCHAR[]) AS line_ids,
           h.number AS inv_number, h.issue_date AS inv_date, p.project_code, p.name AS project, p.customer_id, p.currency
    FROM invoice_project ip
    JOIN staging.harvest_invoices h ON h.invoice_id = ip.inv_id
    LEFT JOIN differing_lines dl ON dl.inv_id = ip.inv_id AND dl.project_id = ip.project_id
    LEFT JOIN core.projects p ON p.project_id = ip.project_id
),
changed_harvest AS (
    SELECT
        'changed_after_billing' AS kind,
        n.customer_id, c.name AS customer, n.project_code, n.project,
        n.changed AS source_ids, [n.inv_number] AS invoice_numbers,
        n.diff_amount AS amount, n.currency, 'direct_link' AS match_level,
        printf('%s on %s changed after invoice %s of %s billed %s: the linked entries now come to %s h %s than the invoice billed, worth %s %s%s.',
               CASE WHEN len(n.changed) = 1 THEN 'Time entry ' || n.changed[1] ELSE 'Time entries ' || array_to_string(n.changed, ', ') END,
               coalesce(n.project, n.project_code, 'unknown project'), n.inv_number, strftime(n.inv_date, '%Y-%m-%d'),
               CASE WHEN len(n.changed) = 1 THEN 'it' ELSE 'them' END,
               abs(round(n.diff_hours, 2))::DECIMAL(18,2)::VARCHAR, CASE WHEN n.diff_hours > 0 THEN 'more' ELSE 'fewer' END,
               abs(n.diff_amount)::VARCHAR, n.currency,
               CASE WHEN n.diff_amount < 0 THEN ' billed too much' ELSE ' not billed' END) AS reason, NULL::VARCHAR AS id_key
    FROM invoice_project_named n LEFT JOIN core.customers c USING (customer_id)
    WHERE len(n.changed) > 0
),
changed_takt AS (
    SELECT
        'changed_after_billing' AS kind,
        e.customer_id, c.name AS customer, e.project_code, e.project_name AS project,
        [e.entry_id] AS source_ids, g.invoice_numbers,
        round(round(e.hours * e.rate, 2) - g.amount, 2)::DECIMAL(18,2) AS amount, e.currency, 'direct_link' AS match_level,
        printf('Time entry %s (%s, %s on %s) now has %s h at %s %s/h, but takt invoice %s billed %s h at %s %s/h: %s %s %s.',
               e.entry_id, coalesce(e.user_name, 'unknown person'), strftime(e.work_date, '%Y-%m-%d'),
               coalesce(e.project_name, e.project_code, 'unknown project'),
               round(e.hours, 2)::DECIMAL(18,2)::VARCHAR, round(e.rate, 2)::DECIMAL(18,2)::VARCHAR, e.currency,
               array_to_string(g.invoice_numbers, ', '), round(g.quantity, 2)::DECIMAL(18,2)::VARCHAR,
               round(g.rate, 2)::DECIMAL(18,2)::VARCHAR, e.currency,
               abs(round(round(e.hours * e.rate, 2) - g.amount, 2))::DECIMAL(18,2)::VARCHAR, e.currency,
               CASE WHEN round(e.hours * e.rate, 2) < g.amount THEN 'billed too much' ELSE 'not billed' END) AS reason, NULL::VARCHAR AS id_key
    FROM (
        SELECT substr(item_key, 6) AS entry_id, sum(quantity) AS quantity, sum(amount) AS amount,
               max(rate) FILTER (WHERE doc_type = 'invoice') AS rate,
               -- A write-off of a customer without an invoice in its run
               -- has no number.
               coalesce(list(DISTINCT invoice_number ORDER BY invoice_number) FILTER (WHERE invoice_number <> ''), []) AS invoice_numbers
        FROM billing.ledger
        WHERE item_key LIKE 'time:%' AND effective_date <= (SELECT d FROM as_of)
        GROUP BY item_key
        HAVING sum(quantity) > 0
    ) g
    JOIN core.time_entries e ON e.entry_id = g.entry_id
    LEFT JOIN core.customers c USING (customer_id)
    WHERE e.hours <> g.quantity OR e.rate <> g.rate
),
-- Hours billed on time-tool invoices beyond the linked entries, unless
-- an entry changed after the invoice explains them.
without_work_direct AS (
    SELECT
        'invoice_without_work' AS kind,
        n.customer_id, c.name AS customer, n.project_code, n.project,
        n.line_ids AS source_ids, [n.inv_number] AS invoice_numbers,
        (-n.diff_amount)::DECIMAL(18,2) AS amount, n.currency, 'direct_link' AS match_level,
        printf('Invoice %s of %s bills %s h more on %s than the time entries linked to it hold: the customer is charged for work that is not recorded (%s %s).',
               n.inv_number, strftime(n.inv_date, '%Y-%m-%d'), round(-n.diff_hours, 2)::DECIMAL(18,2)::VARCHAR,
               coalesce(n.project, n.project_code, 'unknown project'), (-n.diff_amount)::VARCHAR, n.currency) AS reason, NULL::VARCHAR AS id_key
    FROM invoice_project_named n LEFT JOIN core.customers c USING (customer_id)
    WHERE len(n.changed) = 0 AND n.diff_hours < 0
),
-- Hours billed on unlinked invoices beyond all unlinked approved work of
-- the project.
project_pool AS (
    SELECT e.project_code, sum(e.hours) AS hours
    FROM core.open_time_entries e
    WHERE e.work_date <= (SELECT d FROM as_of)
      AND NOT EXISTS (SELECT 1 FROM billing.ledger g WHERE g.item_key LIKE 'time:%' AND substr(g.item_key, 6) = e.entry_id)
    GROUP BY e.project_code
),
without_work_project AS (
    SELECT
        'invoice_without_work' AS kind,
        p.customer_id, c.name AS customer, p.project_code, p.name AS project,
        list(l.line_item_id ORDER BY l.line_item_id) AS source_ids,
        list(DISTINCT ih.invoice_number ORDER BY ih.invoice_number) AS invoice_numbers,
        round((max(ih.cum_hours) - coalesce(max(pp.hours), 0)) * sum(l.line_amount) / nullif(sum(l.quantity), 0), 2)::DECIMAL(18,2) AS amount,
        p.currency, 'project_month' AS match_level,
        printf('Invoices %s bill %s h on %s, but only %s approved hours of the project are not billed otherwise: %s h are invoiced without recorded work.',
               array_to_string(list(DISTINCT ih.invoice_number ORDER BY ih.invoice_number), ', '),
               round(max(ih.cum_hours), 2)::DECIMAL(18,2)::VARCHAR, coalesce(p.name, p.project_code),
               round(coalesce(max(pp.hours), 0), 2)::DECIMAL(18,2)::VARCHAR,
               round(max(ih.cum_hours) - coalesce(max(pp.hours), 0), 2)::DECIMAL(18,2)::VARCHAR) AS reason, NULL::VARCHAR AS id_key
    FROM reconcile.project_invoiced_hours((SELECT d FROM as_of)) ih
    JOIN core.projects p ON p.project_code = ih.project_code
    JOIN reconcile.unlinked_invoice_lines((SELECT d FROM as_of)) l ON l.invoice_number = ih.invoice_number AND l.project_code = ih.project_code
    LEFT JOIN project_pool pp ON pp.project_code = ih.project_code
    LEFT JOIN core.customers c ON c.customer_id = p.customer_id
    GROUP BY p.customer_id, c.name, p.project_code, p.name, p.currency
    HAVING max(ih.cum_hours) > coalesce(max(pp.hours), 0)
),
milestone_not_invoiced AS (
    SELECT
        'milestone_not_invoiced' AS kind,
        u.customer_id, u.customer, u.project_code, u.project,
        [u.source_id] AS source_ids, []::VARCHAR[] AS invoice_numbers,
        u.amount, u.currency, 'milestone' AS match_level,
        printf('Milestone %s "%s" of %s was reached on %s (%d days ago) and is worth %s %s, but no issued invoice bills it.',
               u.source_id, u.task, coalesce(u.project, u.project_code, 'unknown project'), strftime(u.work_date, '%Y-%m-%d'),
               u.age_days, u.amount::VARCHAR, u.currency) AS reason, NULL::VARCHAR AS id_key
    FROM reconcile.unbilled_work u
    WHERE u.kind = 'milestone'
),
unmatched AS (
    SELECT i.system, i.source_id, i.name, i.customer_id,
           CASE WHEN i.system = 'harvest' THEN (
                    SELECT round(sum(e.hours * coalesce(e.rate, 0)), 2) FROM core.time_entries e
                    JOIN core.projects p ON p.project_id = e.project_id
                    WHERE p.client_id = i.source_id AND e.approved AND e.billable)
                ELSE (SELECT sum(x.total) FROM staging.xero_invoices x WHERE x.contact_id = i.source_id AND x.type = 'ACCREC' AND x.status IN ('AUTHORISED', 'PAID'))
           END AS amount,
           CASE WHEN i.system = 'harvest' THEN (SELECT max(currency) FROM staging.harvest_clients h WHERE h.client_id = i.source_id)
                ELSE (SELECT max(x.currency) FROM staging.xero_invoices x WHERE x.contact_id = i.source_id AND x.type = 'ACCREC')
           END AS currency,
           CASE WHEN i.system = 'harvest' THEN EXISTS (
                    SELECT 1 FROM core.time_entries e JOIN core.projects p ON p.project_id = e.project_id WHERE p.client_id = i.source_id)
                ELSE EXISTS (SELECT 1 FROM staging.xero_invoices x WHERE x.contact_id = i.source_id AND x.type = 'ACCREC')
           END AS has_records
    FROM core.customer_identity i
    WHERE i.method = 'unmatched' AND i.system IN ('harvest', 'xero')
),
customer_unmatched AS (
    SELECT
        'customer_unmatched' AS kind,
        u.customer_id, u.name AS customer, NULL AS project_code, NULL AS project,
        [u.system || ':' || u.source_id] AS source_ids, []::VARCHAR[] AS invoice_numbers,
        coalesce(u.amount, 0)::DECIMAL(18,2) AS amount, coalesce(u.currency, staging.setting('base_currency')) AS currency,
        'customer' AS match_level,
        printf('%s %s "%s" matches no customer in the other systems (no shared project code, invoice number, VAT id or unique name): its %s cannot be reconciled; pin the identity by hand.',
               CASE u.system WHEN 'harvest' THEN 'Harvest client' ELSE 'Xero contact' END, u.source_id, u.name,
               CASE u.system WHEN 'harvest' THEN 'time' ELSE 'invoices' END) AS reason, NULL::VARCHAR AS id_key
    FROM unmatched u
    WHERE u.has_records
),
rc_untaxed AS (
    SELECT i.customer_id, i.currency, sum(i.net) AS net, list(i.number ORDER BY i.number) AS numbers
    FROM core.invoices i
    WHERE i.kind = 'invoice' AND i.issued AND coalesce(i.tax, 0) = 0 AND i.issue_date <= (SELECT d FROM as_of)
    GROUP BY ALL
),
rc_unbilled AS (
    SELECT customer_id, currency, sum(amount) AS amount, list_sort(list(source_id)) AS ids
    FROM reconcile.unbilled_work GROUP BY ALL
),
reverse_charge_without_vat_id AS (
    SELECT
        'reverse_charge_without_vat_id' AS kind,
        v.customer_id, v.name AS customer, NULL AS project_code, NULL AS project,
        coalesce(ub.ids, []) AS source_ids, coalesce(ut.numbers, []) AS invoice_numbers,
        round((coalesce(ut.net, 0) + coalesce(ub.amount, 0)) * v.tax_rate / 100, 2)::DECIMAL(18,2) AS amount,
        coalesce(ut.currency, ub.currency) AS currency, 'vat' AS match_level,
        printf('%s (%s) is an EU customer outside %s %s: reverse charge needs it, so %s %% VAT is due on %s (%s %s VAT).',
               v.name, v.country, staging.setting('home_country'),
               CASE WHEN v.vat_id IS NULL THEN 'without a VAT id' ELSE printf('whose VAT id %s has not the format of %s', v.vat_id, v.country) END,
               v.tax_rate::DECIMAL(5,2)::VARCHAR,
               concat_ws(' and ',
                   CASE WHEN ut.numbers IS NOT NULL THEN printf('invoices %s issued without VAT', array_to_string(ut.numbers, ', ')) END,
                   CASE WHEN ub.ids IS NOT NULL THEN printf('%d unbilled item(s)', len(ub.ids)) END),
               round((coalesce(ut.net, 0) + coalesce(ub.amount, 0)) * v.tax_rate / 100, 2)::DECIMAL(18,2)::VARCHAR,
               coalesce(ut.currency, ub.currency)) AS reason, NULL::VARCHAR AS id_key
    FROM core.customer_vat v
    LEFT JOIN rc_untaxed ut ON ut.customer_id = v.customer_id
    LEFT JOIN rc_unbilled ub ON ub.customer_id = v.customer_id AND (ut.currency IS NULL OR ub.currency = ut.currency)
    WHERE v.eu_without_vat_id AND (ut.customer_id IS NOT NULL OR ub.customer_id IS NOT NULL)
),
stale_unbilled AS (
    SELECT
        'stale_unbilled' AS kind,
        u.customer_id, max(u.customer) AS customer, u.project_code, max(u.project) AS project,
        list_transform(list_sort(list({'d': u.work_date, 'k': u.kind, 'id': u.source_id})), x -> x.id) AS source_ids,
        []::VARCHAR[] AS invoice_numbers,
        sum(u.amount)::DECIMAL(18,2) AS amount, u.currency, 'project_month' AS match_level,
        printf('%d approved item(s) of %s on %s from %s (%s h, %s %s) are older than %s days and not invoiced; the oldest is %d days old.',
               count(*), strftime(date_trunc('month', min(u.work_date)), '%Y-%m'), coalesce(max(u.project), u.project_code, 'unknown project'),
               strftime(min(u.work_date), '%Y-%m-%d'), round(sum(u.hours), 2)::DECIMAL(18,2)::VARCHAR, sum(u.amount)::VARCHAR, u.currency,
               staging.setting('stale_after_days'), max(u.age_days)) AS reason,
        strftime(date_trunc('month', min(u.work_date)), '%Y-%m') AS id_key
    FROM reconcile.unbilled_work u
    WHERE u.kind IN ('time', 'expense') AND u.age_days > staging.setting('stale_after_days')::INTEGER
    GROUP BY u.customer_id, u.project_code, date_trunc('month', u.work_date), u.currency
)
SELECT
    CASE kind
        WHEN 'over_budget' THEN kind || ':' || project_code
        WHEN 'invoice_without_work' THEN kind || ':' || array_to_string(invoice_numbers, ',') || ':' || coalesce(project_code, '')
        WHEN 'customer_unmatched' THEN kind || ':' || source_ids[1]
        WHEN 'reverse_charge_without_vat_id' THEN kind || ':' || customer_id
        WHEN 'stale_unbilled' THEN kind || ':' || coalesce(project_code, '') || ':' || id_key || ':' || currency
        WHEN 'changed_after_billing' THEN kind || ':' || array_to_string(invoice_numbers, ',') || ':' || array_to_string(source_ids, ',')
        ELSE kind || ':' || array_to_string(source_ids, ',')
    END AS exception_id,
    *
FROM (
    SELECT * FROM double_billed
    UNION ALL SELECT * FROM rate_mismatch
    UNION ALL SELECT * FROM over_budget
    UNION ALL SELECT * FROM billed_not_approved
    UNION ALL SELECT * FROM changed_harvest
    UNION ALL SELECT * FROM changed_takt
    UNION ALL SELECT * FROM without_work_direct
    UNION ALL SELECT * FROM without_work_project
    UNION ALL SELECT * FROM milestone_not_invoiced
    UNION ALL SELECT * FROM customer_unmatched
    UNION ALL SELECT * FROM reverse_charge_without_vat_id
    UNION ALL SELECT * FROM stale_unbilled
)
ORDER BY kind, customer, source_ids;
