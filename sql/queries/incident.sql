-- Named queries of the incident log (internal/incident). The incident
-- tables are only ever inserted into: there is no UPDATE or DELETE here.

-- name: incident_next_id
SELECT nextval('incident.incident_id_seq');

-- name: incident_insert
INSERT INTO incident.incidents (incident_id, origin, detected_at, detected_by_kind, detected_by, created_at, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: incident_insert_event
INSERT INTO incident.events (incident_id, seq, kind, occurred_at, recorded_at, author, text, value, ref_kind,
                             follow_up, owner_role, due_on, person_mentions, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15);

-- name: incident_header
SELECT origin, detected_at, detected_by_kind, detected_by, created_at, hash
FROM incident.incidents WHERE incident_id = $1;

-- name: incident_state
SELECT coalesce(title, ''), coalesce(severity, ''), coalesce(status, ''), coalesce(customer_impact, ''),
       coalesce(trigger, ''), closed_at, updated_at, events
FROM incident.current WHERE incident_id = $1;

-- name: incident_last_event
SELECT seq, hash FROM incident.events WHERE incident_id = $1 ORDER BY seq DESC LIMIT 1;

-- name: incident_events
-- Every event of an incident in the order it was recorded.
SELECT seq, kind, occurred_at, recorded_at, author, text, value, ref_kind, follow_up, owner_role, due_on,
       person_mentions, prev_hash, hash
FROM incident.events WHERE incident_id = $1 ORDER BY seq;

-- name: incident_timeline
-- The timeline: in the order things happened, then as recorded.
SELECT seq, kind, occurred_at, recorded_at, author, text, value, ref_kind, follow_up, owner_role, due_on,
       person_mentions, prev_hash, hash
FROM incident.events WHERE incident_id = $1 ORDER BY occurred_at, seq;

-- name: incident_follow_ups
-- $2: the day that decides what is overdue.
SELECT follow_up, action, owner_role, due_on, status, added_at,
       status = 'open' AND due_on < $2::DATE AS overdue
FROM incident.follow_ups WHERE incident_id = $1 ORDER BY follow_up;

-- name: incident_links
SELECT kind, ref FROM incident.links WHERE incident_id = $1 ORDER BY kind, ref;

-- name: incident_detection_keys
SELECT dedup_key FROM incident.detections WHERE incident_id = $1 ORDER BY dedup_key;

-- name: incident_list
-- $1: status or NULL; $2: a KPI month (YYYY-MM) or NULL; $3: only
-- incidents with overdue follow-ups; $4: the day that decides what is
-- overdue.
WITH f AS (
    SELECT incident_id,
           count(*) FILTER (WHERE status = 'open')                        AS open_follow_ups,
           count(*) FILTER (WHERE status = 'open' AND due_on < $4::DATE)  AS overdue_follow_ups
    FROM incident.follow_ups GROUP BY incident_id
),
m AS (
    SELECT incident_id, list(month ORDER BY month) AS months FROM incident.kpi_months GROUP BY incident_id
)
SELECT c.incident_id, c.origin, coalesce(c.title, ''), coalesce(c.severity, ''), coalesce(c.status, ''),
       c.detected_at, coalesce(c.customer_impact, ''), c.closed_at,
       coalesce(f.open_follow_ups, 0), coalesce(f.overdue_follow_ups, 0),
       to_json(coalesce(m.months, []::VARCHAR[]))::VARCHAR
FROM incident.current c
LEFT JOIN f USING (incident_id)
LEFT JOIN m USING (incident_id)
WHERE ($1::VARCHAR IS NULL OR c.status = $1::VARCHAR)
  AND ($2::VARCHAR IS NULL OR list_contains(m.months, $2::VARCHAR))
  AND (NOT $3::BOOLEAN OR coalesce(f.overdue_follow_ups, 0) > 0)
ORDER BY c.incident_id;

-- name: incident_by_month
-- Incidents per KPI month for chart markers, dismissed drafts left out.
-- $1, $2: the first and last month (YYYY-MM); $3: the day that decides
-- what is overdue.
WITH f AS (
    SELECT incident_id,
           count(*) FILTER (WHERE status = 'open')                        AS open_follow_ups,
           count(*) FILTER (WHERE status = 'done')                        AS done_follow_ups,
           count(*) FILTER (WHERE status = 'dropped')                     AS dropped_follow_ups,
           count(*) FILTER (WHERE status = 'open' AND due_on < $3::DATE)  AS overdue_follow_ups
    FROM incident.follow_ups GROUP BY incident_id
)
SELECT k.month, c.incident_id, coalesce(c.title, ''), coalesce(c.severity, ''), coalesce(c.status, ''),
       coalesce(c.customer_impact, ''),
       coalesce(f.open_follow_ups, 0), coalesce(f.done_follow_ups, 0), coalesce(f.dropped_follow_ups, 0),
       coalesce(f.overdue_follow_ups, 0)
FROM incident.kpi_months k
JOIN incident.current c USING (incident_id)
LEFT JOIN f USING (incident_id)
WHERE k.month BETWEEN $1 AND $2 AND c.status <> 'dismissed'
ORDER BY k.month, c.incident_id;

-- name: incident_run_exists
SELECT count(*) FROM ops.runs WHERE run_id = $1;

-- name: incident_relation_exists
SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2;

-- name: incident_people_harvest
SELECT name, email FROM staging.harvest_users WHERE coalesce(trim(name), '') <> '';

-- name: incident_people_hubspot_owners_staging
SELECT to_json(o)::VARCHAR FROM staging.hubspot_owners o;

-- name: incident_people_hubspot_owners_raw
SELECT DISTINCT to_json(o)::VARCHAR FROM (SELECT * EXCLUDE (_raw, _run_id, _extracted_at) FROM raw.hubspot_owners) o;

-- name: incident_organisations
SELECT DISTINCT name FROM core.customers WHERE coalesce(trim(name), '') <> '';

-- name: incident_detection_get
SELECT incident_id FROM incident.detections WHERE dedup_key = $1;

-- name: incident_detection_open_in_group
-- The newest incident of a group that is still being handled.
SELECT d.incident_id
FROM incident.detections d JOIN incident.current c USING (incident_id)
WHERE d.group_key = $1 AND c.status NOT IN ('closed', 'dismissed')
ORDER BY d.incident_id DESC LIMIT 1;

-- name: incident_detection_insert
INSERT INTO incident.detections (dedup_key, incident_id, rule, group_key, run_id, detected_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: incident_rule_failed_runs
-- The current streak of failed runs: every failed run after the last
-- finished run that did not fail. Empty when the latest finished run did
-- not fail.
WITH finished AS (
    SELECT run_id, trigger, started_at, status, error FROM ops.runs WHERE status <> 'running'
),
last_ok AS (
    SELECT coalesce(max(run_id), 0) AS run_id FROM finished WHERE status <> 'failed'
)
SELECT f.run_id, f.trigger, f.started_at, coalesce(f.error, '')
FROM finished f, last_ok
WHERE f.status = 'failed' AND f.run_id > last_ok.run_id
ORDER BY f.run_id;

-- name: incident_rule_stream_failures
-- Each stream's current streak of failures: its failed runs after the
-- last run in which it loaded.
WITH s AS (
    SELECT rs.run_id, rs.source, rs.stream, rs.status, coalesce(rs.error, '') AS error, r.started_at,
           max(CASE WHEN rs.status = 'succeeded' THEN rs.run_id END) OVER (PARTITION BY rs.source, rs.stream) AS last_ok
    FROM ops.run_streams rs
    JOIN ops.runs r USING (run_id)
    WHERE r.status <> 'running' AND rs.status IN ('succeeded', 'failed')
)
SELECT source, stream, run_id, started_at, error, coalesce(last_ok, 0)
FROM s
WHERE status = 'failed' AND run_id > coalesce(last_ok, 0)
ORDER BY source, stream, run_id;

-- name: incident_rule_findings
-- Reconciliation findings whose amount at stake is at least $1 (the
-- lowest threshold of any currency); the exact threshold per currency is
-- applied by the caller.
SELECT exception_id, kind, coalesce(customer, ''), amount::VARCHAR, currency, coalesce(reason, ''),
       to_json(coalesce(invoice_numbers, []::VARCHAR[]))::VARCHAR
FROM reconcile.exceptions
WHERE abs(amount) >= $1::DECIMAL(18,2)
ORDER BY exception_id;

-- name: incident_finding_months
-- The months a finding touched: its invoices' issue months and its time
-- entries' work months.
WITH e AS (
    SELECT coalesce(invoice_numbers, []::VARCHAR[]) AS invoice_numbers, source_ids
    FROM reconcile.exceptions WHERE exception_id = $1
),
inv AS (SELECT unnest(invoice_numbers) AS number FROM e),
src AS (SELECT unnest(source_ids) AS id FROM e)
SELECT strftime(i.issue_date, '%Y-%m') AS month
FROM core.invoices i JOIN inv USING (number)
WHERE i.issued AND i.issue_date IS NOT NULL
UNION
SELECT strftime(t.work_date, '%Y-%m')
FROM core.time_entries t JOIN src ON t.entry_id = src.id
ORDER BY month;

-- name: incident_kpi_values
-- Each KPI's final monthly figures with the direction that is better
-- (lower or higher); provisional figures still move and are left out.
SELECT v.kpi, strftime(v.month, '%Y-%m'), v.value::VARCHAR, d.better
FROM marts.kpi_values v
JOIN marts.kpi_definitions d USING (kpi)
WHERE NOT v.provisional
ORDER BY v.kpi, v.month;
