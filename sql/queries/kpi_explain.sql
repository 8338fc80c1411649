-- The records behind a month's KPIs, for `takt kpi explain`. Every query
-- returns the same columns: section, kind, id, number, customer, date,
-- due_date, invoice_date, currency, amount, rate, amount_base, days,
-- value, note. $1 is the first day of the month explained.

-- name: kpi_explain_open
-- Documents open at the month end: their open amount converted into the
-- base currency (signed: credit notes reduce receivables), days past due
-- and aging bucket. They add up to AR_end.
SELECT 'open at ' || strftime(month_end, '%Y-%m-%d'), kind, document_id, number, customer, issue_date, due_date, NULL::DATE,
       currency, open_amount::VARCHAR, currency_rate::VARCHAR, open_base::VARCHAR, days_past_due, aging_bucket,
       'rate ' || coalesce(rate_source, 'missing')
FROM marts.ar_month_end
WHERE month = $1::DATE
ORDER BY CASE aging_bucket WHEN 'not_due' THEN 0 WHEN '1_30' THEN 1 WHEN '31_60' THEN 2 WHEN '61_90' THEN 3 ELSE 4 END,
         issue_date, number;

-- name: kpi_explain_sales
-- Invoices and credit notes issued from the month $1 to the month $2:
-- their gross in the base currency, signed. They add up to gross sales.
SELECT 'issued in ' || strftime(month, '%Y-%m'), kind, document_id, number, customer, issue_date, due_date, NULL::DATE,
       currency, gross::VARCHAR, rate::VARCHAR, gross_base::VARCHAR, NULL::INTEGER, NULL::VARCHAR,
       'rate ' || coalesce(rate_source, 'missing')
FROM marts.sales_documents
WHERE month BETWEEN $1::DATE AND $2::DATE
ORDER BY month, issue_date, number;

-- name: kpi_explain_countback
-- The countback walk: each month walked back with its gross sales (amount),
-- the AR that remained before it (amount_base), its days and the days it
-- counted (value).
SELECT 'countback walk', 'month', strftime(step_month, '%Y-%m'), NULL::VARCHAR, NULL::VARCHAR, step_month, NULL::DATE, NULL::DATE,
       NULL::VARCHAR, step_sales::VARCHAR, NULL::VARCHAR, remaining_before::VARCHAR, step_days, days_counted::VARCHAR,
       step || CASE WHEN history_too_short THEN '; history too short' ELSE '' END
FROM marts.dso_countback_steps
WHERE month = $1::DATE
ORDER BY step_month DESC;

-- name: kpi_explain_invoiced_work
-- Work items invoiced in the month: days from billable to invoice
-- (days) and the amount billed, in the base currency.
SELECT 'invoiced in ' || strftime(month, '%Y-%m'), kind, source_id, invoice_number, customer, work_date, NULL::DATE, invoice_date,
       currency, amount::VARCHAR, currency_rate::VARCHAR, amount_base::VARCHAR, days, hours::VARCHAR,
       coalesce(project, project_code)
FROM marts.invoiced_work
WHERE month = $1::DATE
ORDER BY days, work_date, kind, source_id;

-- name: kpi_explain_tm_work
-- The month's approved time-and-materials time: its hours (value), the
-- invoice that billed it and whether that was by the deadline.
SELECT 'worked in ' || strftime(month, '%Y-%m') || ', deadline ' || strftime(invoice_deadline, '%Y-%m-%d'), 'time', entry_id,
       invoice_number, customer, work_date, invoice_deadline, invoice_date,
       NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, invoice_date - work_date, hours::VARCHAR,
       CASE WHEN within_deadline THEN 'invoiced by the deadline'
            WHEN invoice_date IS NULL THEN 'not invoiced'
            ELSE 'invoiced after the deadline' END
FROM marts.tm_work_invoicing
WHERE month = $1::DATE
ORDER BY within_deadline DESC, work_date, entry_id;

-- name: kpi_explain_wip
-- Unbilled work at the month end: its value in its currency and in the
-- base currency at the month-end rate, its age and age bucket.
SELECT 'unbilled at ' || strftime(month_end, '%Y-%m-%d'), kind, source_id, NULL::VARCHAR, customer, work_date, NULL::DATE, NULL::DATE,
       currency, amount::VARCHAR, currency_rate::VARCHAR, amount_base::VARCHAR, age_days, age_bucket,
       coalesce(project, project_code)
FROM marts.wip_month_end
WHERE month = $1::DATE
ORDER BY work_date, kind, source_id;

-- name: kpi_explain_corrections
-- Invoices issued in the month (voided ones included) and what corrected
-- them within 90 days.
SELECT 'issued in ' || strftime(month, '%Y-%m'), 'invoice', document_id, number, customer, issue_date, NULL::DATE, NULL::DATE,
       currency, gross::VARCHAR, NULL::VARCHAR, gross_base::VARCHAR, corrected_on - issue_date,
       CASE WHEN corrected THEN 'corrected' ELSE 'not corrected' END,
       CASE WHEN corrected THEN corrected_by || ' on ' || strftime(corrected_on, '%Y-%m-%d') ELSE status END
FROM marts.invoice_corrections
WHERE month = $1::DATE
ORDER BY issue_date, number;

-- name: kpi_explain_dunning
-- Invoices that fell due in the month, the highest dunning level each
-- reached (value) and the notices.
SELECT 'due in ' || strftime(month, '%Y-%m'), 'invoice', document_id, number, customer, issue_date, due_date, NULL::DATE,
       currency, gross::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::INTEGER, max_level::VARCHAR,
       coalesce(notice_list, 'no notice')
FROM marts.dunning_invoices
WHERE month = $1::DATE
ORDER BY due_date, number;

-- name: kpi_explain_fees
-- Dunning notices sent in the month and their fees.
SELECT 'sent in ' || strftime(month, '%Y-%m'), 'dunning notice', notice_id, invoice_number, customer, notice_date, NULL::DATE, NULL::DATE,
       currency, fee::VARCHAR, currency_rate::VARCHAR, fee_base::VARCHAR, NULL::INTEGER, level::VARCHAR, NULL::VARCHAR
FROM marts.dunning_fees
WHERE month = $1::DATE
ORDER BY notice_date, notice_id;

-- name: kpi_explain_automation
-- Invoices issued in the month: their lines (value: lines from takt
-- unchanged / all lines), net amount and the part that came unchanged
-- from takt, in the base currency.
SELECT 'issued in ' || strftime(month, '%Y-%m'), 'invoice', document_id, number, customer, issue_date, NULL::DATE, NULL::DATE,
       currency, net::VARCHAR, NULL::VARCHAR, amount_base::VARCHAR, NULL::INTEGER, takt_lines || '/' || lines,
       'from takt unchanged: ' || takt_amount_base::VARCHAR || CASE WHEN changed_lines > 0 THEN '; ' || changed_lines || ' line(s) changed by hand' ELSE '' END
FROM marts.automation_lines
WHERE month = $1::DATE
ORDER BY issue_date, number;
