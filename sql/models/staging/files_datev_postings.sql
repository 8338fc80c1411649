-- Postings of DATEV Buchungsstapel files, from the current version of
-- every such file (staging.files_current). Every file is a batch of its
-- own: postings are never merged across files (they have no id; two
-- batches of the same period are two sets of postings).
--
-- amount is DATEV's Umsatz, never negative; debit_credit says on which
-- side of account it is booked (S Soll = debit, H Haben = credit), the
-- other side going to contra_account. account_amount is the amount as
-- account sees it: debits positive, credits negative.
CREATE OR REPLACE TABLE staging.files_datev_postings AS
WITH current_rows AS (
    SELECT r.*
    FROM raw.files_datev_postings r
    JOIN staging.files_current c
      ON c.stream = 'datev_postings' AND c.file = r.file AND c.file_sha256 = r.file_sha256
    -- A version loaded twice (a retried run) is taken from its latest load.
    QUALIFY r._run_id = max(r._run_id) OVER (PARTITION BY r.file)
)
SELECT
    id                                              AS posting_id,
    document_date,
    account,
    contra_account,
    debit_credit,
    amount,
    CASE debit_credit WHEN 'S' THEN amount ELSE -amount END AS account_amount,
    currency,
    fx_rate,
    base_amount,
    base_currency,
    tax_key,
    document_number,
    posting_text,
    consultant_number,
    client_number,
    fiscal_year_start,
    account_length,
    period_from,
    period_to,
    batch_name,
    format_version,
    file,
    row                                             AS file_row
FROM current_rows;
