-- The current view of raw.hubspot_deals (staging/sync.sql): the latest
-- version of each record, deleted ones included (_deleted_at). When only
-- rows of runs after the last build's were added (getvariable('takt_since'),
-- set by the runner), the records they touch are recomputed (below the
-- delta line); else it is rebuilt whole.
CREATE OR REPLACE TABLE staging.current_hubspot_deals AS
SELECT * FROM staging.current_versions('hubspot', 'deals', -1);
-- takt:delta
DELETE FROM staging.current_hubspot_deals
WHERE id IN (SELECT id FROM raw.hubspot_deals WHERE _run_id > getvariable('takt_since'));
INSERT INTO staging.current_hubspot_deals
SELECT * FROM staging.current_versions('hubspot', 'deals', getvariable('takt_since'));
