-- The current view of raw.xero_contacts (staging/sync.sql): the latest
-- version of each record, deleted ones included (_deleted_at). When only
-- rows of runs after the last build's were added (getvariable('takt_since'),
-- set by the runner), the records they touch are recomputed (below the
-- delta line); else it is rebuilt whole.
CREATE OR REPLACE TABLE staging.current_xero_contacts AS
SELECT * FROM staging.current_versions('xero', 'contacts', -1);
-- takt:delta
DELETE FROM staging.current_xero_contacts
WHERE id IN (SELECT id FROM raw.xero_contacts WHERE _run_id > getvariable('takt_since'));
INSERT INTO staging.current_xero_contacts
SELECT * FROM staging.current_versions('xero', 'contacts', getvariable('takt_since'));
