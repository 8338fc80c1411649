//go:build duckdb_arrow

package main

import "github.com/shopspring/decimal"

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// generateSQL writes the firm into the raw tables: {C} customers (every
// tenth in the US and billed in USD, the 9th in each ten in Austria, the
// 8th in France, the rest in Germany), three projects each (every tenth
// fixed price, every eighth with a budget 10 % short of its work), 300
// people, seven tasks, {N} time entries over two years up to 2026-03-31
// (approved but for the last ten days; a fifth imported from the issue
// tracker; every month before March billed on one invoice per customer,
// except one entry in 53; a duplicated import every 100,005 entries; a
// rate 15.00 off the card every 20,011), and the invoices in Harvest
// (with their lines) and Xero.
var generateSQL = []string{
	`INSERT INTO raw.hubspot_companies BY NAME
	 SELECT {RUN} AS _run_id, now() AS _extracted_at, '{}' AS _raw, 'c' || i AS id, TIMESTAMPTZ '2026-03-01 00:00:00+00' AS updated_at,
	        TIMESTAMPTZ '2024-01-01 00:00:00+00' AS created_at, false AS archived, 'Customer ' || i || ' GmbH' AS name,
	        'c' || i || '.example' AS domain,
	        CASE i % 10 WHEN 7 THEN 'US' WHEN 8 THEN 'FR' WHEN 9 THEN 'AT' ELSE 'DE' END AS country,
	        CASE i % 10 WHEN 7 THEN NULL WHEN 8 THEN 'FR12' || lpad(i::VARCHAR, 9, '0') WHEN 9 THEN 'ATU' || lpad(i::VARCHAR, 8, '0')
	             ELSE 'DE' || lpad(i::VARCHAR, 9, '0') END AS vat_id
	 FROM range({C}) t(i)`,
	`INSERT INTO raw.hubspot_deals BY NAME
	 SELECT {RUN} AS _run_id, now() AS _extracted_at, '{}' AS _raw, 'p' || p AS id, TIMESTAMPTZ '2026-03-01 00:00:00+00' AS updated_at,
	        TIMESTAMPTZ '2024-01-01 00:00:00+00' AS created_at, false AS archived, 'Project ' || p AS name, 100000::DECIMAL(18,4) AS amount,
	        CASE WHEN (p // 3) % 10 = 7 THEN 'USD' ELSE 'EUR' END AS currency, 'closedwon' AS stage, 'default' AS pipeline,
	        TIMESTAMPTZ '2024-01-01 00:00:00+00' AS close_date,
	        CASE WHEN p % 10 = 9 THEN 'fixed_price' ELSE 'time_and_materials' END AS billing_model, 'c' || (p // 3) AS company_id
	 FROM range({P}) t(p)`,
	`INSERT INTO raw.harvest_clients BY NAME
	 SELECT {RUN} AS _run_id, now() AS _extracted_at, '{}' AS _raw, 'hc' || i AS id, TIMESTAMPTZ '2026-03-01 00:00:00+00' AS updated_at,
	        TIMESTAMPTZ '2024-01-01 00:00:00+00' AS created_at, 'Customer ' || i || ' GmbH' AS name, true AS is_active,
	        CASE WHEN i % 10 = 7 THEN 'USD' ELSE 'EUR' END AS currency
	 FROM range({C}) t(i)`,
	`INSERT INTO raw.harvest_projects BY NAME
	 SELECT {RUN} AS _run_id, now() AS _extracted_at, '{}' AS _raw, 'hp' || p AS id, TIMESTAMPTZ '2026-03-01 00:00:00+00' AS updated_at,
	        TIMESTAMPTZ '2024-01-01 00:00:00+00' AS created_at, 'hc' || (p // 3) AS client_id, 'Project ' || p AS name, 'p' || p AS code,
	        true AS is_active, true AS is_billable, p % 10 = 9 AS is_fixed_fee, 'Tasks' AS bill_by,
	        CASE WHEN p % 8 = 1 THEN floor({N} / {P} * 4.125 * 0.9)::DECIMAL(18,4) END AS budget,
	        CASE WHEN p % 8 = 1 THEN 'project' END AS budget_by, DATE '2024-01-01' AS starts_on
	 FROM range({P}) t(p)`,
	`INSERT INTO raw.harvest_users BY NAME
	 SELECT {RUN} AS _run_id, now() AS _extracted_at, '{}' AS _raw, 'u' || i AS id, TIMESTAMPTZ '2026-03-01 00:00:00+00' AS updated_at,
	        TIMESTAMPTZ '2024-01-01 00:00:00+00' AS created_at, 'First' || i AS first_name, 'Last' || i AS last_name, true AS is_active
	 FROM range(300) t(i)`,
	`INSERT INTO raw.harvest_tasks BY NAME
	 SELECT {RUN} AS _run_id, now() AS _extracted_at, '{}' AS _raw, 't' || i AS id, TIMESTAMPTZ '2026-03-01 00:00:00+00' AS updated_at,
	        TIMESTAMPTZ '2024-01-01 00:00:00+00' AS created_at,
	        ['Consulting', 'Architecture', 'Development', 'Design', 'Testing', 'Training', 'Management'][i + 1] AS name,
	        true AS billable_by_default, true AS is_active
	 FROM range(7) t(i)`,
	`INSERT INTO raw.harvest_task_assignments BY NAME
	 SELECT {RUN} AS _run_id, now() AS _extracted_at, '{}' AS _raw, 'ta' || p || '-' || t AS id, TIMESTAMPTZ '2026-03-01 00:00:00+00' AS updated_at,
	        TIMESTAMPTZ '2024-01-01 00:00:00+00' AS created_at, 'hp' || p AS project_id, 't' || t AS task_id, p % 10 <> 9 AS billable,
	        true AS is_active, (100 + 10 * t)::DECIMAL(18,4) AS hourly_rate
	 FROM range({P}) a(p), range(7) b(t)`,
	`INSERT INTO raw.harvest_time_entries BY NAME
	 SELECT {RUN} AS _run_id, now() AS _extracted_at, 'e' || k AS id,
	        '{"id":"e' || k || '","notes":"work ' || k || '","user":{"id":"u' || (k % 300) || '"},"padding":"' || repeat('x', 150) || '"}' AS _raw,
	        (d + INTERVAL 20 HOUR)::TIMESTAMPTZ AS updated_at, (d + INTERVAL 18 HOUR)::TIMESTAMPTZ AS created_at, d AS spent_date,
	        'u' || (k % 300) AS user_id, 'hc' || (p // 3) AS client_id, 'hp' || p AS project_id, 't' || (k % 7) AS task_id,
	        ((1 + k % 32) / 4)::DECIMAL(18,4) AS hours, 'work ' || k AS notes, approved AS is_closed, billed AS is_locked, billed AS is_billed,
	        billable, CASE WHEN billable THEN (100 + 10 * (k % 7) + CASE WHEN k % 20011 = 0 THEN 15 ELSE 0 END)::DECIMAL(18,4) END AS billable_rate,
	        CASE WHEN billed THEN 'hi' || (p // 3) || '-' || strftime(d, '%Y%m') END AS invoice_id,
	        CASE WHEN billed THEN 'H' || (p // 3) || '-' || strftime(d, '%Y%m') END AS invoice_number,
	        CASE WHEN k % 100005 = 1 THEN 'JIRA-' || (k - 1) WHEN k % 5 = 0 THEN 'JIRA-' || k END AS external_reference_id,
	        CASE WHEN k % 5 IN (0, 1) THEN 'jira' END AS external_service
	 FROM (
	     SELECT k, p, d, approved, billable,
	            billable AND approved AND d < DATE '2026-03-01' AND k % 53 <> 0 AS billed
	     FROM (
	         SELECT k, (hash(k) % {P})::BIGINT AS p, (DATE '2026-03-31' - (k % 730)::INTEGER) AS d,
	                (DATE '2026-03-31' - (k % 730)::INTEGER) <= DATE '2026-03-21' AS approved,
	                (hash(k) % {P})::BIGINT % 10 <> 9 AS billable
	         FROM range({N}) t(k)))`,
	`INSERT INTO raw.harvest_invoices BY NAME
	 SELECT {RUN} AS _run_id, now() AS _extracted_at, '{}' AS _raw, invoice_id AS id, issue::TIMESTAMPTZ AS updated_at, issue::TIMESTAMPTZ AS created_at,
	        client_id, invoice_number AS number, 'paid' AS state, issue AS issue_date, issue + 30 AS due_date, issue::TIMESTAMPTZ AS sent_at,
	        currency, sum(amount)::DECIMAL(18,4) AS amount, 0::DECIMAL(18,4) AS due_amount, first_day AS period_start, last_day AS period_end,
	        list({'id': invoice_id || '-' || project_id || '-' || rate::VARCHAR, 'kind': 'Service', 'description': 'time',
	              'project_id': project_id, 'quantity': hours, 'unit_price': rate, 'amount': amount, 'taxed': true}) AS line_items
	 FROM (
	     SELECT e.invoice_id, e.invoice_number, e.client_id, e.project_id, e.billable_rate AS rate, sum(e.hours) AS hours,
	            round(sum(e.hours) * e.billable_rate, 2)::DECIMAL(18,4) AS amount,
	            date_trunc('month', min(e.spent_date))::DATE AS first_day, last_day(min(e.spent_date)) AS last_day,
	            (last_day(min(e.spent_date)) + 3) AS issue, any_value(c.currency) AS currency
	     FROM raw.harvest_time_entries e JOIN raw.harvest_clients c ON c.id = e.client_id
	     WHERE e.invoice_id IS NOT NULL
	     GROUP BY e.invoice_id, e.invoice_number, e.client_id, e.project_id, e.billable_rate)
	 GROUP BY invoice_id, invoice_number, client_id, currency, issue, first_day, last_day`,
	`INSERT INTO raw.xero_contacts BY NAME
	 SELECT {RUN} AS _run_id, now() AS _extracted_at, '{}' AS _raw, 'xc' || i AS id, TIMESTAMPTZ '2026-03-01 00:00:00+00' AS updated_at,
	        'Customer ' || i || ' GmbH' AS name,
	        CASE i % 10 WHEN 7 THEN NULL WHEN 8 THEN 'FR12' || lpad(i::VARCHAR, 9, '0') WHEN 9 THEN 'ATU' || lpad(i::VARCHAR, 8, '0')
	             ELSE 'DE' || lpad(i::VARCHAR, 9, '0') END AS tax_number,
	        'ACTIVE' AS status, true AS is_customer, CASE WHEN i % 10 = 7 THEN 'USD' ELSE 'EUR' END AS default_currency,
	        CASE i % 10 WHEN 7 THEN 'US' WHEN 8 THEN 'FR' WHEN 9 THEN 'AT' ELSE 'DE' END AS country
	 FROM range({C}) t(i)`,
	`INSERT INTO raw.xero_invoices BY NAME
	 SELECT {RUN} AS _run_id, now() AS _extracted_at, '{}' AS _raw, 'x' || h.id AS id, h.updated_at, 'ACCREC' AS type, h.number AS invoice_number,
	        'xc' || substr(h.client_id, 3) AS contact_id, 'PAID' AS status, h.issue_date AS date, h.due_date, h.currency,
	        CASE WHEN h.currency = 'USD' THEN 1.08 ELSE 1 END::DECIMAL(18,6) AS currency_rate, 'Exclusive' AS line_amount_types,
	        h.amount AS sub_total,
	        CASE WHEN c.country = 'DE' THEN round(h.amount * 0.19, 2) ELSE 0 END::DECIMAL(18,4) AS total_tax,
	        (h.amount + CASE WHEN c.country = 'DE' THEN round(h.amount * 0.19, 2) ELSE 0 END)::DECIMAL(18,4) AS total,
	        0::DECIMAL(18,4) AS amount_due
	 FROM raw.harvest_invoices h JOIN raw.hubspot_companies c ON c.id = 'c' || substr(h.client_id, 3)`,
}
