-- name: unbilled
-- $1: the as-of day (YYYY-MM-DD), or NULL for the last run's as-of day.
SELECT kind, source_id, customer_id, customer, project_code, project, task, person,
       work_date, hours::VARCHAR, rate::VARCHAR, rate_source, amount::VARCHAR, currency, age_days
FROM reconcile.unbilled_as_of(coalesce($1::DATE, staging.setting('as_of')::DATE))
ORDER BY customer NULLS LAST, project, work_date, kind, source_id;

-- name: exceptions
SELECT exception_id, kind, customer_id, customer, project_code, project,
       to_json(source_ids)::VARCHAR, to_json(coalesce(invoice_numbers, []::VARCHAR[]))::VARCHAR,
       amount::VARCHAR, currency, match_level, reason
FROM reconcile.exceptions
ORDER BY kind, customer NULLS LAST, exception_id;
