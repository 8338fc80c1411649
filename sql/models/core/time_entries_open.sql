-- What reconciliation reads of the time entries again and again (once for
-- the run's unbilled work, once per draft billing run, once per month end
-- of the WIP marts), kept once per run so that it does not read all time
-- each time:
--
--   core.open_time_entries    approved, billable time the time tool has not
--                             marked billed: a small part of all time,
--                             with every column of core.time_entries.
--   core.time_entry_invoices  every invoice approved, billable, billed time
--                             is linked to, with the first work date it
--                             bills: reconcile.unbilled_as_of needs the few
--                             of them that bill nothing as of its day.
--   core.free_form_invoice_lines
--                             the lines of the time tool's invoices that no
--                             time or expense is linked to (free-form
--                             invoices, usually none): they bill work by
--                             project or customer
--                             (reconcile.unlinked_invoice_lines).
CREATE OR REPLACE TABLE core.open_time_entries AS
SELECT * FROM core.time_entries
WHERE approved AND billable AND NOT billed;

CREATE OR REPLACE TABLE core.time_entry_invoices AS
SELECT invoice_id, min(work_date) AS first_work_date
FROM core.time_entries
WHERE approved AND billable AND coalesce(billed, true) AND invoice_id IS NOT NULL
GROUP BY invoice_id;

CREATE OR REPLACE TABLE core.free_form_invoice_lines AS
WITH linked AS (
    SELECT invoice_id FROM core.time_entries WHERE invoice_id IS NOT NULL
    UNION
    SELECT invoice_id FROM core.expenses WHERE invoice_id IS NOT NULL
)
SELECT h.invoice_id, h.number, h.state, h.issue_date, h.currency, h.client_id,
       l.line_id, l.description, l.project_id, l.quantity, l.amount
FROM staging.harvest_invoices h
JOIN staging.harvest_invoice_lines l ON l.invoice_id = h.invoice_id
WHERE h.invoice_id NOT IN (SELECT invoice_id FROM linked);
