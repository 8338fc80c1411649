-- Time entries and expenses the current view leaves out for what they
-- point to: a project Harvest does not list (deleted, or not loaded yet),
-- or no project at all. staging.harvest_time_entries and
-- staging.harvest_expenses do not hold them; after each run the pipeline
-- files them in the quarantine (ops.rejects, stage transform) with the
-- message below, and closes the entry once the record passes: a fixed
-- record flows into the current view with the next run. While Harvest's
-- projects were never loaded, nothing is judged.
CREATE OR REPLACE TABLE staging.reference_rejects AS
WITH work AS (
    SELECT 'time_entries' AS stream, 'time entry' AS what, id, project_id, _raw
    FROM staging.current_harvest_time_entries
    WHERE _deleted_at IS NULL
    UNION ALL
    SELECT 'expenses', 'expense', id, project_id, _raw
    FROM staging.current_harvest_expenses
    WHERE _deleted_at IS NULL
)
SELECT
    'harvest'                           AS source,
    w.stream,
    w.id                                AS record_id,
    CASE WHEN w.project_id IS NULL THEN 'missing_project' ELSE 'unknown_project' END AS rule,
    CASE WHEN w.project_id IS NULL THEN 'project' ELSE 'project.id' END AS field,
    CASE WHEN w.project_id IS NULL
         THEN 'harvest: ' || w.stream || ': record ' || w.id || ': field project: missing; '
              || 'book the work onto a project in Harvest: the next run loads the corrected record'
         ELSE 'harvest: ' || w.stream || ': record ' || w.id || ': field project.id: project ' || w.project_id
              || ' is not among the projects Harvest lists, so the ' || w.what || ' is left out of reports; '
              || 'book the work onto a project that exists in Harvest, or restore the project: the next run loads the corrected record'
    END                                 AS message,
    w._raw                              AS payload
FROM work w
WHERE EXISTS (SELECT 1 FROM staging.harvest_projects)
  AND (w.project_id IS NULL OR w.project_id NOT IN (SELECT project_id FROM staging.harvest_projects));
