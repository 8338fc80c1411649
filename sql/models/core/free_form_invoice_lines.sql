-- The lines of the time tool's invoices that no linked record accounts
-- for (usually none): they bill work by project or customer, like an
-- invoice made in the books (reconcile.unlinked_invoice_lines).
--
--   An invoice with time entries linked to it bills that time: its
--   service lines are compared with those entries, rate by rate
--   (reconcile.exceptions), and none of its lines is here.
--   An invoice with no time entry linked to it bills hours with its
--   service lines without naming the work: they are here.
--   An invoice with nothing linked to it at all (a free-form invoice): all
--   of its lines are here.
--
-- So every service line of an invoice is either compared with linked
-- entries or here; reconcile.exceptions picks the invoices it compares as
-- those with no line here.
CREATE OR REPLACE TABLE core.free_form_invoice_lines AS
WITH time_linked AS (
    SELECT DISTINCT invoice_id FROM core.time_entries WHERE invoice_id IS NOT NULL
),
expense_linked AS (
    SELECT DISTINCT invoice_id FROM core.expenses WHERE invoice_id IS NOT NULL
)
SELECT h.invoice_id, h.number, h.state, h.issue_date, h.currency, h.client_id,
       l.line_id, l.description, l.project_id, l.quantity, l.amount
FROM staging.harvest_invoices h
JOIN staging.harvest_invoice_lines l ON l.invoice_id = h.invoice_id
LEFT JOIN time_linked t ON t.invoice_id = h.invoice_id
LEFT JOIN expense_linked x ON x.invoice_id = h.invoice_id
WHERE t.invoice_id IS NULL AND (x.invoice_id IS NULL OR l.kind = 'Service');
