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
CREATE OR REPLACE TABLE core.open_time_entries AS
SELECT * FROM core.time_entries
WHERE approved AND billable AND NOT billed;

CREATE OR REPLACE TABLE core.time_entry_invoices AS
SELECT invoice_id, min(work_date) AS first_work_date
FROM core.time_entries
WHERE approved AND billable AND coalesce(billed, true) AND invoice_id IS NOT NULL
GROUP BY invoice_id;
