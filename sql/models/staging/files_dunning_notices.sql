-- Dunning notices from the current version of dunning_notices.csv.
CREATE OR REPLACE TABLE staging.files_dunning_notices AS
SELECT id AS notice_id, trim(invoice_number) AS invoice_number, level, notice_date, fee, upper(currency) AS currency,
       file, row AS file_row
FROM raw.files_dunning_notices
-- The current version is the file whose hash is the stream's committed
-- cursor (a version whose load failed half-way never becomes current; an
-- emptied file is a version with no rows), as loaded by its latest run.
WHERE file_sha256 = (SELECT cursor FROM ops.stream_cursors WHERE source = 'files' AND stream = 'dunning_notices')
QUALIFY _run_id = max(_run_id) OVER ();
