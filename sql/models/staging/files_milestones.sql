-- Fixed-price milestones from the current version of every milestones
-- file (staging.files_current); the same id in several files is taken
-- from the newest file (its modification time, then the later load, then
-- the later file name).
CREATE OR REPLACE TABLE staging.files_milestones AS
WITH current_rows AS (
    SELECT r.*
    FROM raw.files_milestones r
    JOIN staging.files_current c
      ON c.stream = 'milestones' AND c.file = r.file AND c.file_sha256 = r.file_sha256
    -- A version loaded twice (a retried run) is taken from its latest load.
    QUALIFY r._run_id = max(r._run_id) OVER (PARTITION BY r.file)
)
SELECT id AS milestone_id, trim(project_code) AS project_code, name, amount, upper(currency) AS currency,
       due_on, reached_on, accepted_on, nullif(trim(invoice_number), '') AS invoice_number,
       file, row AS file_row
FROM current_rows
QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, _run_id DESC, file DESC) = 1;
