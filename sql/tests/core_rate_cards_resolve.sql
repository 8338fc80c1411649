-- Every rate card row names a Harvest project code (and task) that exists:
-- a typo in rate_cards.csv would silently value work at another rate.
SELECT rate_id, project_code, task_name
FROM core.rate_cards
WHERE project_id IS NULL OR (task_name IS NOT NULL AND task_id IS NULL);
