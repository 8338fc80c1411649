-- Fixed-price milestones from the latest version of milestones.csv.
CREATE OR REPLACE TABLE staging.files_milestones AS
SELECT id AS milestone_id, trim(project_code) AS project_code, name, amount, upper(currency) AS currency,
       due_on, reached_on, accepted_on, nullif(trim(invoice_number), '') AS invoice_number,
       file, row AS file_row
FROM raw.files_milestones
QUALIFY _run_id = max(_run_id) OVER ();
