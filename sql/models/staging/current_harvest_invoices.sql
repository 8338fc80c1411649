-- The current view of raw.harvest_invoices (staging/sync.sql): the latest
-- version of each record, deleted ones included (_deleted_at). When only
-- rows of runs after the last build's were added (getvariable('takt_since'),
-- set by the runner), the records they touch are recomputed (below the
-- delta line); else it is rebuilt whole.
CREATE OR REPLACE TABLE staging.current_harvest_invoices AS
SELECT * FROM staging.current_versions('harvest', 'invoices', -1);
-- takt:delta
DELETE FROM staging.current_harvest_invoices
WHERE id IN (SELECT id FROM raw.harvest_invoices WHERE _run_id > getvariable('takt_since'));
INSERT INTO staging.current_harvest_invoices
SELECT * FROM staging.current_versions('harvest', 'invoices', getvariable('takt_since'));
