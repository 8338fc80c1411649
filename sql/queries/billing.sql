-- Named queries of draft billing runs (reconcile/billing_*.go).

-- name: billing_stage_candidates
-- Work a run for the period ending $1 may bill, kept for the connection
-- that builds the run (a temporary table: the run's items are inserted
-- from it with INSERT ... SELECT): work dated up to that day that no
-- invoice bills and approved change requests of fixed-price projects that
-- no invoice bills, with the open run that holds an item and the first
-- period an item was deferred to. Every invoice and credit note the
-- warehouse knows counts, whatever its date (unbilled as of the last day
-- there is): March's work invoiced on 5 April, by the time tool or by an
-- earlier run, is billed.
--
-- billable: a run of the period $2 (YYYY-MM) bills the item: no open run
-- holds it, it is not deferred past the period, it has a customer, and
-- time has a rate. capped: its project's budget caps what is billed (a
-- time-and-materials project with a budget in hours or money, unless $3:
-- budgets are ignored). plain: billable time of a project that is not
-- capped, billed in full, so its lines are summed by the database
-- (billing_plain_lines) rather than item by item in Go.
CREATE OR REPLACE TEMP TABLE billing_candidates AS
WITH u AS (SELECT * FROM reconcile.unbilled_as_of(DATE '9999-12-31') WHERE work_date <= $1::DATE),
deferred AS (SELECT item_key, max(not_before) AS not_before FROM billing.deferrals GROUP BY item_key),
capped AS (
    SELECT DISTINCT project_code FROM core.projects
    WHERE NOT $3::BOOLEAN AND billing_model = 'time_and_materials' AND project_code IS NOT NULL
      AND (budget_hours IS NOT NULL OR budget_amount IS NOT NULL)
),
cand AS (
    SELECT u.kind || ':' || u.source_id AS item_key, u.kind, u.customer_id, u.customer, u.project_code, u.project,
           u.task, u.work_date, u.hours, u.rate, u.amount, u.currency
    FROM u
    UNION ALL
    SELECT 'change_request:' || cr.change_request_id, 'change_request', cr.customer_id, c.name,
           cr.project_code, cr.project_name, cr.title, cr.approved_on, 0::DECIMAL(18,4), NULL,
           round(cr.extra_amount, 2)::DECIMAL(18,2), cr.currency
    FROM core.change_requests cr
    LEFT JOIN core.customers c ON c.customer_id = cr.customer_id
    WHERE cr.approved AND cr.approved_on <= $1::DATE AND cr.billing_model = 'fixed_price'
      AND cr.invoice_number IS NULL AND coalesce(cr.extra_amount, 0) > 0
      AND NOT EXISTS (SELECT 1 FROM billing.ledger g WHERE g.item_key = 'change_request:' || cr.change_request_id)
),
staged AS (
    SELECT c.item_key, c.kind, coalesce(c.customer_id, '') AS customer_id, coalesce(c.customer, '') AS customer,
           coalesce(c.project_code, '') AS project_code, coalesce(c.project, '') AS project, coalesce(c.task, '') AS task,
           c.work_date, c.hours, c.rate, c.amount, c.currency, cl.run_id AS claimed_by,
           cl.run_id IS NULL AND coalesce(d.not_before <= $2, true) AND coalesce(c.customer_id, '') <> ''
             AND NOT (c.kind = 'time' AND c.rate IS NULL) AS billable,
           cp.project_code IS NOT NULL AS capped
    FROM cand c
    LEFT JOIN billing.claims cl ON cl.item_key = c.item_key
    LEFT JOIN deferred d ON d.item_key = c.item_key
    LEFT JOIN capped cp ON cp.project_code = c.project_code
)
SELECT *, billable AND kind = 'time' AND NOT capped AS plain FROM staged;

-- name: billing_candidates
-- The staged work (billing_stage_candidates) that is not plain, in item
-- order: what the rest of a run is built from item by item (the item key
-- holds the kind and the source id), and the runs holding items.
SELECT item_key, customer_id, customer, project_code, project, task, work_date,
       hours::VARCHAR, rate::VARCHAR, amount::VARCHAR, currency, claimed_by, billable
FROM temp.billing_candidates
WHERE NOT plain
ORDER BY item_key;

-- name: billing_count_candidates
SELECT count(*) FROM temp.billing_candidates WHERE NOT plain;

-- name: billing_invoice_heads
-- Per customer and currency of the billable staged work (the invoices of
-- a run): the customer's name on the first item by key, and two
-- fingerprints free of any order (the XOR of each item's MD5), one of the
-- item keys, which gives the invoice its id, and one of key|customer|
-- currency|hours|rate|amount, the work the run is computed from.
SELECT customer_id, currency, arg_min(customer, item_key),
       bit_xor(md5_number(item_key))::VARCHAR,
       bit_xor(md5_number(concat_ws('|', item_key, customer_id, currency, coalesce(hours::VARCHAR, ''),
                                    coalesce(rate::VARCHAR, ''), coalesce(amount::VARCHAR, ''))))::VARCHAR
FROM temp.billing_candidates
WHERE billable
GROUP BY customer_id, currency;

-- name: billing_plain_lines
-- The time lines of the plain staged work (billing_stage_candidates), per
-- customer, currency, project, task and rate: the hours summed exactly,
-- the first and last day, the project's name on the first item (by day,
-- then key) and the number of items.
SELECT customer_id, currency, project_code, task, rate::VARCHAR, sum(hours)::VARCHAR, min(work_date), max(work_date),
       arg_min(project, {'d': work_date, 'k': item_key}), count(*)
FROM temp.billing_candidates
WHERE plain
GROUP BY customer_id, currency, project_code, task, rate;

-- name: billing_drop_candidates
DROP TABLE IF EXISTS temp.billing_candidates;

-- name: billing_insert_time_items
-- The items of the plain time lines of a regular run (billing_plain_lines),
-- appended by reconcile.appendRows as {run_id, line_id, customer_id,
-- currency, project_code, task, rate}: every plain staged item of the
-- line's customer, currency, project, task and rate, billed in full.
INSERT INTO billing.line_items (run_id, line_id, item_key, quantity, amount)
SELECT l.run_id, l.line_id, c.item_key, c.hours, round(c.hours * c.rate, 4)::DECIMAL(18,4)
FROM appended_data l
JOIN temp.billing_candidates c
  ON c.plain AND c.customer_id = l.customer_id AND c.currency = l.currency AND c.project_code = l.project_code
 AND c.task = l.task AND c.rate = l.rate::DECIMAL(18,4);

-- name: billing_insert_run_claims
-- Claims every item of a regular run, in key order (the primary key's
-- index takes sorted keys faster).
INSERT INTO billing.claims (key_hash, item_key, run_id)
SELECT md5_number(item_key) AS key_hash, item_key, $1
FROM (SELECT DISTINCT item_key FROM billing.line_items WHERE run_id = $1)
ORDER BY key_hash;

-- name: billing_project_budgets
-- The capped projects with billable time in the staged work
-- (billing_stage_candidates): the budget, the change requests approved
-- by $1, and all approved billable time by $1.
WITH budgeted AS (
    SELECT DISTINCT project_code FROM temp.billing_candidates WHERE capped AND billable AND kind = 'time'
),
-- Only the time of those projects is summed.
t AS (
    SELECT project_code, sum(hours) AS hours, sum(round(hours * rate, 2)) AS amount
    FROM core.time_entries WHERE approved AND billable AND work_date <= $1::DATE
      AND project_code IN (SELECT project_code FROM budgeted)
    GROUP BY project_code
),
cr AS (
    SELECT project_code, sum(coalesce(extra_hours, 0)) AS hours, sum(coalesce(extra_amount, 0)) AS amount
    FROM core.change_requests WHERE approved AND approved_on <= $1::DATE
    GROUP BY project_code
)
SELECT p.project_code, p.budget_hours::VARCHAR, p.budget_amount::VARCHAR, coalesce(cr.hours, 0)::VARCHAR,
       coalesce(cr.amount, 0)::VARCHAR, coalesce(t.hours, 0)::VARCHAR, coalesce(t.amount, 0)::VARCHAR
FROM core.projects p
LEFT JOIN t ON t.project_code = p.project_code
LEFT JOIN cr ON cr.project_code = p.project_code
WHERE p.project_code IN (SELECT project_code FROM budgeted);

-- name: billing_customer_vat
SELECT v.customer_id, coalesce(v.name, ''), coalesce(v.country, ''), coalesce(v.vat_id, ''), coalesce(c.xero_contact_id, ''),
       v.vat_case, v.tax_rate::VARCHAR
FROM core.customer_vat v LEFT JOIN core.customers c ON c.customer_id = v.customer_id;

-- name: billing_as_of
SELECT staging.setting('as_of')::DATE;

-- name: billing_has_fx_rates
SELECT count(*) FROM information_schema.tables WHERE table_schema = 'staging' AND table_name = 'files_fx_rates';

-- name: billing_fx_from_files
-- The imported rate of currency $1 valid on day $2: the latest on or
-- before it (units of $1 per unit of the base currency).
SELECT rate::VARCHAR, rate_date FROM staging.files_fx_rates
WHERE upper(currency) = $1 AND base_currency = staging.setting('base_currency') AND rate_date <= $2::DATE AND rate > 0
ORDER BY rate_date DESC LIMIT 1;

-- name: billing_fx_from_xero_all
-- The rates Xero booked on issued sales invoices up to day $1, for every
-- customer at once: per currency the latest rate of each customer
-- ('own'), of any known customer ('known') and of invoices without a
-- customer ('unknown'); a run takes them in that order of preference.
WITH x AS (
    SELECT currency, customer_id, currency_rate, issue_date, number FROM core.invoices
    WHERE issued AND kind = 'invoice' AND issue_date <= $1::DATE AND currency_rate > 0
)
SELECT 'own' AS level, currency, customer_id, currency_rate::VARCHAR, issue_date FROM x WHERE customer_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY currency, customer_id ORDER BY issue_date DESC, number DESC) = 1
UNION ALL
SELECT 'known', currency, '', currency_rate::VARCHAR, issue_date FROM x WHERE customer_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY currency ORDER BY issue_date DESC, number DESC) = 1
UNION ALL
SELECT 'unknown', currency, '', currency_rate::VARCHAR, issue_date FROM x WHERE customer_id IS NULL
QUALIFY row_number() OVER (PARTITION BY currency ORDER BY issue_date DESC, number DESC) = 1;

-- name: billing_run_count
SELECT count(*) FROM billing.runs WHERE period = $1;

-- name: billing_insert_run
INSERT INTO billing.runs (run_id, kind, period, period_end, invoice_date, status, created_by, created_at, inputs_hash, reason)
VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9);

-- name: billing_insert_invoices
-- The invoices appended by reconcile.appendRows (decimals and dates as
-- text, exact to their scale).
INSERT INTO billing.invoices (run_id, invoice_id, position, doc_type, customer_id, customer, country, vat_id, xero_contact_id,
    currency, vat_case, net, tax, gross, tax_breakdown, payment_days, due_date, skonto_percent, skonto_days, skonto_date,
    skonto_amount, notes, fx_rate, fx_date, fx_source, base_currency, base_net, base_tax, base_gross,
    corrects_run_id, corrects_invoice_id, corrects_number, corrects_date)
SELECT run_id, invoice_id, position, doc_type, customer_id, customer, country, vat_id, xero_contact_id,
       currency, vat_case, net::DECIMAL(18,2), tax::DECIMAL(18,2), gross::DECIMAL(18,2), tax_breakdown,
       payment_days, due_date::DATE, skonto_percent::DECIMAL(5,2), skonto_days, skonto_date::DATE,
       skonto_amount::DECIMAL(18,2), notes, fx_rate::DECIMAL(18,6), fx_date::DATE, fx_source, base_currency,
       base_net::DECIMAL(18,2), base_tax::DECIMAL(18,2), base_gross::DECIMAL(18,2),
       corrects_run_id, corrects_invoice_id, corrects_number, corrects_date::DATE
FROM appended_data;

-- name: billing_insert_lines
-- The lines appended by reconcile.appendRows (decimals as text, exact to
-- their scale).
INSERT INTO billing.lines (run_id, invoice_id, line_id, position, kind, project_code, project, task, description,
    hours, rate, amount, tax_rate, manually_changed)
SELECT run_id, invoice_id, line_id, position, kind, project_code, project, task, description,
       hours::DECIMAL(18,4), rate::DECIMAL(18,4), amount::DECIMAL(18,2), tax_rate::DECIMAL(5,2), manually_changed
FROM appended_data;

-- name: billing_insert_line_items
-- The items appended by reconcile.appendRows (decimals as text; the
-- amounts already rounded to 4 decimals by insertRun: a cast of text to a
-- 38-digit decimal costs DuckDB microseconds per value).
INSERT INTO billing.line_items (run_id, line_id, item_key, quantity, amount)
SELECT run_id, line_id, item_key, quantity::DECIMAL(18,4), amount::DECIMAL(18,4)
FROM appended_data;

-- name: billing_insert_claims
-- The item keys appended by reconcile.appendRows, with their run. The
-- primary key refuses an item another open run holds, also one claimed by
-- a transaction not yet committed.
INSERT INTO billing.claims (key_hash, item_key, run_id)
SELECT md5_number(item_key), item_key, run_id FROM appended_data
ORDER BY 1;

-- name: billing_claims_held
-- $1: a JSON array of item keys; those an open run holds, with the run.
SELECT c.item_key, c.run_id
FROM billing.claims c
JOIN (SELECT md5_number(unnest(from_json($1::VARCHAR, '["VARCHAR"]'))) AS key_hash) k USING (key_hash)
ORDER BY c.item_key;

-- name: billing_delete_claims
DELETE FROM billing.claims WHERE run_id = $1;

-- name: billing_delete_claim
DELETE FROM billing.claims WHERE key_hash = md5_number($2) AND run_id = $1;

-- name: billing_run
SELECT run_id, kind, period, period_end, invoice_date, status, created_by, created_at, coalesce(approved_by, ''),
       approved_at, exported_at, coalesce(export_target, ''), coalesce(discarded_by, ''), inputs_hash,
       coalesce(content_hash, ''), coalesce(reason, '')
FROM billing.runs WHERE run_id = $1;

-- name: billing_runs
SELECT run_id FROM billing.runs ORDER BY created_at, run_id;

-- name: billing_run_invoices
SELECT invoice_id, position, doc_type, customer_id, customer, coalesce(country, ''), coalesce(vat_id, ''),
       coalesce(xero_contact_id, ''), currency, vat_case, net::VARCHAR, tax::VARCHAR, gross::VARCHAR, tax_breakdown,
       payment_days, due_date, skonto_percent::VARCHAR, skonto_days, skonto_date, skonto_amount::VARCHAR, notes,
       fx_rate::VARCHAR, fx_date, coalesce(fx_source, ''), base_currency, base_net::VARCHAR, base_tax::VARCHAR,
       base_gross::VARCHAR, coalesce(corrects_run_id, ''), coalesce(corrects_invoice_id, ''), coalesce(corrects_number, ''),
       corrects_date, coalesce(invoice_number, ''), coalesce(idempotency_key, ''), coalesce(xero_invoice_id, ''), exported_at,
       (SELECT count(*) FROM billing.refusals f WHERE f.run_id = i.run_id AND f.invoice_id = i.invoice_id)
FROM billing.invoices i WHERE run_id = $1 ORDER BY position;

-- name: billing_run_lines
SELECT invoice_id, line_id, position, kind, coalesce(project_code, ''), coalesce(project, ''), coalesce(task, ''),
       description, hours::VARCHAR, rate::VARCHAR, amount::VARCHAR, tax_rate::VARCHAR, manually_changed
FROM billing.lines WHERE run_id = $1 ORDER BY invoice_id, position;

-- name: billing_run_line_items
SELECT line_id, item_key, quantity::VARCHAR, amount::VARCHAR
FROM billing.line_items WHERE run_id = $1 ORDER BY line_id, item_key;

-- name: billing_run_adjustments
SELECT no, kind, coalesce(line_id, ''), coalesce(item_key, ''), coalesce(before, ''), coalesce(after, ''), reason, actor, done_at, audit_seq
FROM billing.adjustments WHERE run_id = $1 ORDER BY no;

-- name: billing_set_status_approved
UPDATE billing.runs SET status = 'approved', approved_by = $2, approved_at = $3 WHERE run_id = $1 AND status = 'draft';

-- name: billing_void_approval
UPDATE billing.runs SET status = 'draft', approved_by = NULL, approved_at = NULL WHERE run_id = $1 AND status = 'approved';

-- name: billing_set_status_discarded
UPDATE billing.runs SET status = 'discarded', discarded_by = $2, discarded_at = $3, reason = coalesce(reason || ' / ', '') || $4
WHERE run_id = $1 AND status IN ('draft', 'approved');

-- name: billing_set_status_exported
UPDATE billing.runs SET status = 'exported', exported_at = $2, export_target = $3, content_hash = $4
WHERE run_id = $1 AND status = 'approved';

-- name: billing_update_line
UPDATE billing.lines SET description = $3, hours = $4::DECIMAL(18,4), rate = $5::DECIMAL(18,4), amount = $6::DECIMAL(18,2),
    manually_changed = true, kind = $7
WHERE run_id = $1 AND line_id = $2;

-- name: billing_delete_line
DELETE FROM billing.lines WHERE run_id = $1 AND line_id = $2;

-- name: billing_delete_line_item
DELETE FROM billing.line_items WHERE run_id = $1 AND line_id = $2 AND item_key = $3;

-- name: billing_update_totals
UPDATE billing.invoices SET net = $3::DECIMAL(18,2), tax = $4::DECIMAL(18,2), gross = $5::DECIMAL(18,2), tax_breakdown = $6,
    skonto_amount = $7::DECIMAL(18,2), notes = $8, base_net = $9::DECIMAL(18,2), base_tax = $10::DECIMAL(18,2),
    base_gross = $11::DECIMAL(18,2)
WHERE run_id = $1 AND invoice_id = $2;

-- name: billing_insert_adjustment
INSERT INTO billing.adjustments (run_id, no, kind, line_id, item_key, before, after, reason, actor, done_at, audit_seq)
VALUES ($1, (SELECT coalesce(max(no), 0) + 1 FROM billing.adjustments WHERE run_id = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10);

-- name: billing_insert_deferral
INSERT INTO billing.deferrals (item_key, run_id, not_before) VALUES ($1, $2, $3);

-- name: billing_next_number
SELECT coalesce(max(seq), 0) + 1 FROM billing.numbers WHERE year = $1;

-- name: billing_insert_numbers
-- The numbers given to a run's invoices at once: $1 year, $2 run, $3
-- time; $4 numbers, $5 their seqs, $6 the invoice ids (lists in one
-- order).
INSERT INTO billing.numbers (invoice_number, year, seq, run_id, invoice_id, assigned_at)
SELECT unnest($4::VARCHAR[]), $1, unnest($5::INTEGER[]), $2, unnest($6::VARCHAR[]), $3;

-- name: billing_set_numbers
-- $1 run; $2 invoice ids, $3 numbers, $4 idempotency keys, $5 payload
-- hashes (lists in one order).
UPDATE billing.invoices i SET invoice_number = m.number, idempotency_key = m.key, export_payload_hash = m.payload
FROM (SELECT unnest($2::VARCHAR[]) AS invoice_id, unnest($3::VARCHAR[]) AS number, unnest($4::VARCHAR[]) AS key,
             unnest($5::VARCHAR[]) AS payload) m
WHERE i.run_id = $1 AND i.invoice_id = m.invoice_id AND i.invoice_number IS NULL;

-- name: billing_set_exported
-- $1 run, $2 time; $3 invoice ids, $4 their ids in the accounting system
-- ('' for none), in one order.
UPDATE billing.invoices i SET xero_invoice_id = nullif(m.external_id, ''), exported_at = $2
FROM (SELECT unnest($3::VARCHAR[]) AS invoice_id, unnest($4::VARCHAR[]) AS external_id) m
WHERE i.run_id = $1 AND i.invoice_id = m.invoice_id AND i.exported_at IS NULL;

-- name: billing_insert_refusals
-- $1 run, $2 actor, $3 time; $4 invoice ids, $5 the refusals' numbers,
-- $6 the reasons (lists in one order).
INSERT INTO billing.refusals (run_id, invoice_id, no, reason, actor, refused_at)
SELECT $1, unnest($4::VARCHAR[]), unnest($5::INTEGER[]), unnest($6::VARCHAR[]), $2, $3;

-- name: billing_insert_ledger
-- The ledger rows appended by reconcile.appendRows (decimals and dates as
-- text).
INSERT INTO billing.ledger (item_key, run_id, invoice_id, doc_type, invoice_number, quantity, amount, rate, currency,
    effective_date, recorded_at, credits_run_id, credits_invoice_id)
SELECT item_key, run_id, invoice_id, doc_type, invoice_number, quantity::DECIMAL(18,4), amount::DECIMAL(18,4),
       rate::DECIMAL(18,4), currency, effective_date::DATE, recorded_at, credits_run_id, credits_invoice_id
FROM appended_data;

-- name: billing_insert_releases
-- The items credit notes release, appended by reconcile.appendRows.
INSERT INTO billing.releases (item_key, credits_run_id, credits_invoice_id, run_id, invoice_id)
SELECT item_key, credits_run_id, credits_invoice_id, run_id, invoice_id FROM appended_data;

-- name: billing_insert_export
INSERT INTO billing.exports (run_id, no, target, location, sha256, marked_billed, actor, done_at)
VALUES ($1, (SELECT coalesce(max(no), 0) + 1 FROM billing.exports WHERE run_id = $1), $2, $3, $4, $5, $6, $7);

-- name: billing_invoice_by_number
SELECT i.run_id, i.invoice_id FROM billing.invoices i JOIN billing.runs r ON r.run_id = i.run_id
WHERE i.invoice_number = $1 AND r.status = 'exported';

-- name: billing_ledger_of_invoice
SELECT item_key, quantity::VARCHAR, amount::VARCHAR, rate::VARCHAR FROM billing.ledger
WHERE run_id = $1 AND invoice_id = $2 ORDER BY item_key;

-- name: billing_released
SELECT item_key, run_id FROM billing.releases WHERE credits_run_id = $1 AND credits_invoice_id = $2;

-- name: billing_current_items
-- Current values of billed work ($1: a JSON array of item keys): time
-- with its hours and rate now, expenses and milestones.
SELECT 'time:' || e.entry_id, e.customer_id, coalesce(c.name, ''), coalesce(e.project_code, ''), coalesce(e.project_name, ''),
       coalesce(p.billing_model, ''), coalesce(e.task_name, ''), coalesce(e.user_name, ''), e.work_date, e.hours::VARCHAR,
       e.rate::VARCHAR, round(e.hours * e.rate, 2)::VARCHAR, e.currency, e.approved AND e.billable
FROM core.time_entries e
LEFT JOIN core.customers c ON c.customer_id = e.customer_id
LEFT JOIN core.projects p ON p.project_id = e.project_id
WHERE 'time:' || e.entry_id IN (SELECT unnest(from_json($1::VARCHAR, '["VARCHAR"]')))
UNION ALL
SELECT 'expense:' || x.expense_id, x.customer_id, coalesce(c.name, ''), coalesce(x.project_code, ''), coalesce(x.project_name, ''),
       '', x.category, '', x.work_date, '0', NULL, round(x.amount, 2)::VARCHAR, x.currency, x.approved AND x.billable
FROM core.expenses x LEFT JOIN core.customers c ON c.customer_id = x.customer_id
WHERE 'expense:' || x.expense_id IN (SELECT unnest(from_json($1::VARCHAR, '["VARCHAR"]')))
UNION ALL
SELECT 'milestone:' || m.milestone_id, m.customer_id, coalesce(c.name, ''), coalesce(m.project_code, ''), coalesce(m.project_name, ''),
       'fixed_price', m.name, '', coalesce(m.accepted_on, m.reached_on), '0', NULL, round(m.amount, 2)::VARCHAR, m.currency, true
FROM core.milestones m LEFT JOIN core.customers c ON c.customer_id = m.customer_id
WHERE 'milestone:' || m.milestone_id IN (SELECT unnest(from_json($1::VARCHAR, '["VARCHAR"]')));

-- name: billing_exported_runs
SELECT run_id, content_hash FROM billing.runs WHERE status = 'exported' ORDER BY run_id;

-- name: billing_audit_refs
SELECT 'adjustment ' || run_id || ' #' || no::VARCHAR, audit_seq FROM billing.adjustments
UNION ALL
SELECT 'acknowledgement ' || exception_id || ' #' || no::VARCHAR, audit_seq FROM billing.acknowledgements
ORDER BY 2;

-- name: billing_insert_ack
INSERT INTO billing.acknowledgements (exception_id, no, kind, amount, currency, source_ids, reason, actor, done_at, audit_seq)
VALUES ($1, (SELECT coalesce(max(no), 0) + 1 FROM billing.acknowledgements WHERE exception_id = $1), $2, $3::DECIMAL(18,2), $4,
        $5, $6, $7, $8, $9);

-- name: billing_exception
SELECT exception_id, kind, amount::VARCHAR, currency, to_json(source_ids)::VARCHAR FROM reconcile.exceptions WHERE exception_id = $1;

-- name: billing_latest_acks
SELECT exception_id, no, actor, done_at, reason, amount::VARCHAR, currency, source_ids, audit_seq
FROM billing.acknowledgements
QUALIFY row_number() OVER (PARTITION BY exception_id ORDER BY no DESC) = 1;
