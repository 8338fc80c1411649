-- The current view of raw.hubspot_line_items (staging/sync.sql): the latest
-- version of each record, deleted ones included (_deleted_at). When only
-- rows of runs after the last build's were added (getvariable('takt_since'),
-- set by the runner), the records they touch are recomputed (below the
-- delta line); else it is rebuilt whole.
CREATE OR REPLACE TABLE staging.current_hubspot_line_items AS
SELECT * FROM staging.current_versions('hubspot', 'line_items', -1);
-- takt:delta
DELETE FROM staging.current_hubspot_line_items
WHERE id IN (SELECT id FROM raw.hubspot_line_items WHERE _run_id > getvariable('takt_since'));
INSERT INTO staging.current_hubspot_line_items
SELECT * FROM staging.current_versions('hubspot', 'line_items', getvariable('takt_since'));
