-- Billing exceptions: each with its kind, the records involved, the amount
-- at stake (in the work's currency) and a sentence a controller
-- understands. match_level says how the work was tied to the invoice:
-- direct_link means the time tool records which invoice billed the entry.
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
CREATE OR REPLACE TABLE reconcile.exceptions AS
WITH billed AS (
    SELECT e.*, c.name AS customer
    FROM core.time_entries e LEFT JOIN core.customers c USING (customer_id)
    WHERE e.billed
),
by_ref AS (
    SELECT *,
           first_value(entry_id) OVER w       AS original_id,
           first_value(invoice_number) OVER w AS original_invoice,
           row_number() OVER w                AS copy_no
    FROM billed
    WHERE external_reference_id IS NOT NULL
    WINDOW w AS (PARTITION BY external_reference_id ORDER BY created_at, entry_id)
),
by_content AS (
    SELECT *,
           first_value(entry_id) OVER w       AS original_id,
           first_value(invoice_number) OVER w AS original_invoice,
           row_number() OVER w                AS copy_no
    FROM billed
    WHERE external_reference_id IS NULL
    WINDOW w AS (PARTITION BY user_id, project_id, task_id, work_date, hours, coalesce(notes, '') ORDER BY created_at, entry_id)
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
        printf('Time entry %s (%s, %s, %s h on %s) repeats entry %s: both come from %s item %s and both are billed (invoices %s and %s), so the customer is charged twice for the same work.',
               entry_id, coalesce(user_name, 'unknown person'), strftime(work_date, '%Y-%m-%d'),
               round(hours, 2)::DECIMAL(18,2)::VARCHAR, coalesce(project_name, project_code, 'unknown project'),
               original_id, coalesce(external_service, 'the issue tracker'), external_reference_id,
               coalesce(original_invoice, '?'), coalesce(invoice_number, '?')) AS reason
    FROM by_ref WHERE copy_no > 1
    UNION ALL
    SELECT
        'double_billed', customer_id, customer, project_code, project_name,
        [original_id, entry_id], [original_invoice, invoice_number],
        round(hours * entry_rate, 2)::DECIMAL(18,2), currency, 'direct_link',
        printf('Time entry %s (%s, %s, %s h on %s) is identical to entry %s in person, task, date, hours and notes, and both are billed (invoices %s and %s): the same work is probably charged twice.',
               entry_id, coalesce(user_name, 'unknown person'), strftime(work_date, '%Y-%m-%d'),
               round(hours, 2)::DECIMAL(18,2)::VARCHAR, coalesce(project_name, project_code, 'unknown project'),
               original_id, coalesce(original_invoice, '?'), coalesce(invoice_number, '?'))
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
               CASE WHEN e.entry_rate > e.card_rate THEN 'much' ELSE 'little' END) AS reason
    FROM core.time_entries e
    LEFT JOIN core.customers c USING (customer_id)
    WHERE e.approved AND e.billable AND e.card_rate IS NOT NULL AND e.entry_rate IS NOT NULL
      AND e.entry_rate <> e.card_rate
)
SELECT
    kind || ':' || array_to_string(source_ids, ',') AS exception_id,
    *
FROM (SELECT * FROM double_billed UNION ALL SELECT * FROM rate_mismatch)
ORDER BY kind, customer, source_ids;
