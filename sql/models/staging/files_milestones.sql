-- Fixed-price milestones from the current version of milestones.csv.
CREATE OR REPLACE TABLE staging.files_milestones AS
SELECT id AS milestone_id, trim(project_code) AS project_code, name, amount, upper(currency) AS currency,
       due_on, reached_on, accepted_on, nullif(trim(invoice_number), '') AS invoice_number,
       file, row AS file_row
FROM raw.files_milestones
-- The current version is the file whose hash is the stream's committed
-- cursor (a version whose load failed half-way never becomes current; an
-- emptied file is a version with no rows), as loaded by its latest run.
WHERE file_sha256 = (SELECT cursor FROM ops.stream_cursors WHERE source = 'files' AND stream = 'milestones')
QUALIFY _run_id = max(_run_id) OVER ();
