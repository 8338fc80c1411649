-- The rate card from the current version of rate_cards.csv.
CREATE OR REPLACE TABLE staging.files_rate_cards AS
SELECT id AS rate_id, trim(project_code) AS project_code, nullif(trim(task), '') AS task, hourly_rate,
       upper(currency) AS currency, valid_from, valid_to, file, row AS file_row
FROM raw.files_rate_cards
-- The current version is the file whose hash is the stream's committed
-- cursor (a version whose load failed half-way never becomes current; an
-- emptied file is a version with no rows), as loaded by its latest run.
WHERE file_sha256 = (SELECT cursor FROM ops.stream_cursors WHERE source = 'files' AND stream = 'rate_cards')
QUALIFY _run_id = max(_run_id) OVER ();
