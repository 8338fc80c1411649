-- The current view of raw.xero_credit_notes (staging/sync.sql): the latest
-- version of each record, deleted ones included (_deleted_at). When only
-- rows of runs after the last build's were added (getvariable('takt_since'),
-- set by the runner), the records they touch are recomputed (below the
-- delta line); else it is rebuilt whole.
CREATE OR REPLACE TABLE staging.current_xero_credit_notes AS
SELECT * FROM staging.current_versions('xero', 'credit_notes', -1);
-- takt:delta
DELETE FROM staging.current_xero_credit_notes
WHERE id IN (SELECT id FROM raw.xero_credit_notes WHERE _run_id > getvariable('takt_since'));
INSERT INTO staging.current_xero_credit_notes
SELECT * FROM staging.current_versions('xero', 'credit_notes', getvariable('takt_since'));
