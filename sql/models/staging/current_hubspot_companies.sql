-- The current view of raw.hubspot_companies (staging/sync.sql): the latest
-- version of each record, deleted ones included (_deleted_at). When only
-- rows of runs after the last build's were added (getvariable('takt_since'),
-- set by the runner), the records they touch are recomputed (below the
-- delta line); else it is rebuilt whole.
CREATE OR REPLACE TABLE staging.current_hubspot_companies AS
SELECT * FROM staging.current_versions('hubspot', 'companies', -1);
-- takt:delta
DELETE FROM staging.current_hubspot_companies
WHERE id IN (SELECT id FROM raw.hubspot_companies WHERE _run_id > getvariable('takt_since'));
INSERT INTO staging.current_hubspot_companies
SELECT * FROM staging.current_versions('hubspot', 'companies', getvariable('takt_since'));
