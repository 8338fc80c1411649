-- Time entries from time tools other than Harvest, from the current
-- version of every time entries file (staging.files_current); the same id
-- in several files (overlapping exports) is taken from the newest file
-- (its modification time, then the later load, then the later file name).
-- billable is NULL where the tool does not say; rate and currency are the
-- tool's billable rate, where it has one.
CREATE OR REPLACE TABLE staging.files_time_entries AS
WITH current_rows AS (
    SELECT r.*
    FROM raw.files_time_entries r
    JOIN staging.files_current c
      ON c.stream = 'time_entries' AND c.file = r.file AND c.file_sha256 = r.file_sha256
    -- A version loaded twice (a retried run) is taken from its latest load.
    QUALIFY r._run_id = max(r._run_id) OVER (PARTITION BY r.file)
)
SELECT id AS entry_id, date AS work_date, trim(person) AS person, trim(project_code) AS project_code,
       nullif(trim(task), '') AS task, hours, billable, nullif(trim(notes), '') AS notes,
       rate, upper(currency) AS currency, file, row AS file_row
FROM current_rows
QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, _run_id DESC, file DESC) = 1;
