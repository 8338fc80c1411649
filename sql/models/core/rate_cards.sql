-- The rate card: hourly rate per project (and task, if given) with its
-- validity, from rate_cards.csv. Rows whose project code or task name
-- match nothing in Harvest keep NULL ids and are reported by a data test.
CREATE OR REPLACE TABLE core.rate_cards AS
SELECT
    r.rate_id,
    r.project_code,
    p.project_id,
    r.task                                          AS task_name,
    t.task_id,
    r.hourly_rate,
    r.currency,
    r.valid_from,
    r.valid_to
FROM staging.files_rate_cards r
LEFT JOIN staging.harvest_projects p ON p.code = r.project_code
LEFT JOIN staging.harvest_tasks t ON r.task IS NOT NULL AND lower(t.name) = lower(r.task);
