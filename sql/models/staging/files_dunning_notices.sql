-- Dunning notices from the latest version of dunning_notices.csv.
CREATE OR REPLACE TABLE staging.files_dunning_notices AS
SELECT id AS notice_id, trim(invoice_number) AS invoice_number, level, notice_date, fee, upper(currency) AS currency,
       file, row AS file_row
FROM raw.files_dunning_notices
QUALIFY _run_id = max(_run_id) OVER ();
