-- Change requests from the current version of change_requests.csv.
CREATE OR REPLACE TABLE staging.files_change_requests AS
SELECT id AS change_request_id, trim(project_code) AS project_code, title, lower(trim(status)) AS status,
       approved_on, extra_hours, extra_amount, upper(currency) AS currency, file, row AS file_row
FROM raw.files_change_requests
-- The current version is the file whose hash is the stream's committed
-- cursor (a version whose load failed half-way never becomes current; an
-- emptied file is a version with no rows), as loaded by its latest run.
WHERE file_sha256 = (SELECT cursor FROM ops.stream_cursors WHERE source = 'files' AND stream = 'change_requests')
QUALIFY _run_id = max(_run_id) OVER ();
