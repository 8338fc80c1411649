-- When each source stream last loaded successfully, and how many rows that
-- run brought. Shown as "source freshness" in reports.
CREATE OR REPLACE TABLE marts.source_freshness AS
SELECT
    s.source,
    s.stream,
    max(s.ended_at) FILTER (WHERE s.status = 'succeeded')            AS last_success_at,
    arg_max(s.rows, s.ended_at) FILTER (WHERE s.status = 'succeeded') AS last_success_rows,
    max(s.ended_at) FILTER (WHERE s.status = 'failed')               AS last_failure_at,
    arg_max(s.error, s.ended_at) FILTER (WHERE s.status = 'failed')   AS last_failure_error
FROM ops.run_streams s
GROUP BY s.source, s.stream;
