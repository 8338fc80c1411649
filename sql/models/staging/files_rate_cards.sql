-- The rate card from the current version of every rate card file
-- (staging.files_current); the same id in several files is taken from
-- the newest file (its modification time, then the later load, then the
-- later file name).
CREATE OR REPLACE TABLE staging.files_rate_cards AS
WITH current_rows AS (
    SELECT r.*
    FROM raw.files_rate_cards r
    JOIN staging.files_current c
      ON c.stream = 'rate_cards' AND c.file = r.file AND c.file_sha256 = r.file_sha256
    -- A version loaded twice (a retried run) is taken from its latest load.
    QUALIFY r._run_id = max(r._run_id) OVER (PARTITION BY r.file)
)
SELECT id AS rate_id, trim(project_code) AS project_code, nullif(trim(task), '') AS task, hourly_rate,
       upper(currency) AS currency, valid_from, valid_to, file, row AS file_row
FROM current_rows
QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, _run_id DESC, file DESC) = 1;
