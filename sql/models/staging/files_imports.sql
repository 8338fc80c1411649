-- Imported files: which version of each file is current, and the record
-- of every version loaded or refused.
--
-- A files stream's cursor lists the files whose rows are loaded, each
-- with the SHA-256 of its current version: [{"file": ..., "sha256": ...}]
-- (before takt read several files per stream, the cursor was the SHA-256
-- of <stream>.csv alone). The cursor commits with the last batch of a
-- stream, so it never names a version whose rows are not all committed,
-- and a file that leaves the imports folder keeps its last version.
CREATE OR REPLACE TABLE staging.files_current AS
SELECT stream, f.file AS file, f.sha256 AS file_sha256, run_id AS cursor_run_id
FROM (
    SELECT stream, run_id, unnest(
        CASE WHEN cursor LIKE '[%'
             THEN from_json(cursor, '[{"file":"VARCHAR","sha256":"VARCHAR"}]')
             ELSE [{'file': stream || '.csv', 'sha256': cursor}]
        END) AS f
    FROM ops.stream_cursors
    WHERE source = 'files'
);

-- One row per version of an imported file: loaded (current or
-- superseded) or refused. A version loaded more than once (a run retried
-- after a crash) counts once, with its latest load. rows is the number of
-- rows loaded; a refused version's rows are the file's data rows, none of
-- them loaded, and its reason is in ops.rejects (rule file_refused).
CREATE OR REPLACE TABLE staging.files_imports AS
WITH loaded AS (
    SELECT 'dunning_notices' AS stream, file, file_sha256, _run_id AS run_id, min(_extracted_at) AS loaded_at, count(*) AS rows
    FROM raw.files_dunning_notices GROUP BY ALL
    UNION ALL
    SELECT 'milestones', file, file_sha256, _run_id, min(_extracted_at), count(*) FROM raw.files_milestones GROUP BY ALL
    UNION ALL
    SELECT 'rate_cards', file, file_sha256, _run_id, min(_extracted_at), count(*) FROM raw.files_rate_cards GROUP BY ALL
    UNION ALL
    SELECT 'change_requests', file, file_sha256, _run_id, min(_extracted_at), count(*) FROM raw.files_change_requests GROUP BY ALL
    UNION ALL
    SELECT 'time_entries', file, file_sha256, _run_id, min(_extracted_at), count(*) FROM raw.files_time_entries GROUP BY ALL
    UNION ALL
    SELECT 'fx_rates', file, file_sha256, _run_id, min(_extracted_at), count(*) FROM raw.files_fx_rates GROUP BY ALL
    UNION ALL
    SELECT 'datev_postings', file, file_sha256, _run_id, min(_extracted_at), count(*) FROM raw.files_datev_postings GROUP BY ALL
),
versions AS (
    SELECT * FROM loaded
    QUALIFY row_number() OVER (PARTITION BY stream, file, file_sha256 ORDER BY run_id DESC) = 1
)
SELECT
    coalesce(v.stream, c.stream)                    AS stream,
    coalesce(v.file, c.file)                        AS file,
    coalesce(v.file_sha256, c.file_sha256)          AS file_sha256,
    -- A version without rows (a header and nothing else) has no load of
    -- its own: the run that committed the cursor naming it stands in.
    coalesce(v.run_id, c.cursor_run_id)             AS run_id,
    v.loaded_at,
    coalesce(v.rows, 0)                             AS rows,
    CASE WHEN c.file IS NOT NULL THEN 'current' ELSE 'superseded' END AS status
FROM versions v
FULL JOIN staging.files_current c
  ON c.stream = v.stream AND c.file = v.file AND c.file_sha256 = v.file_sha256
UNION ALL
SELECT
    stream,
    payload ->> 'file',
    payload ->> 'file_sha256',
    run_id,
    rejected_at,
    0,
    'refused'
FROM ops.rejects
WHERE source = 'files' AND rule = 'file_refused';
