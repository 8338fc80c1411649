-- The current view of raw.harvest_expenses (staging/sync.sql): the latest
-- version of each record, deleted ones included (_deleted_at). When only
-- rows of runs after the last build's were added (getvariable('takt_since'),
-- set by the runner), the records they touch are recomputed (below the
-- delta line); else it is rebuilt whole.
CREATE OR REPLACE TABLE staging.current_harvest_expenses AS
SELECT * FROM staging.current_versions('harvest', 'expenses', -1);
-- takt:delta
DELETE FROM staging.current_harvest_expenses
WHERE id IN (SELECT id FROM raw.harvest_expenses WHERE _run_id > getvariable('takt_since'));
INSERT INTO staging.current_harvest_expenses
SELECT * FROM staging.current_versions('harvest', 'expenses', getvariable('takt_since'));
