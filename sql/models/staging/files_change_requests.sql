-- Change requests from the latest version of change_requests.csv.
CREATE OR REPLACE TABLE staging.files_change_requests AS
SELECT id AS change_request_id, trim(project_code) AS project_code, title, lower(trim(status)) AS status,
       approved_on, extra_hours, extra_amount, upper(currency) AS currency, file, row AS file_row
FROM raw.files_change_requests
QUALIFY _run_id = max(_run_id) OVER ();
