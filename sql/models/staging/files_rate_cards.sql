-- The rate card from the latest version of rate_cards.csv.
CREATE OR REPLACE TABLE staging.files_rate_cards AS
SELECT id AS rate_id, trim(project_code) AS project_code, nullif(trim(task), '') AS task, hourly_rate,
       upper(currency) AS currency, valid_from, valid_to, file, row AS file_row
FROM raw.files_rate_cards
QUALIFY _run_id = max(_run_id) OVER ();
