-- A project/task has at most one valid rate on any day.
SELECT a.rate_id, b.rate_id AS overlaps_with, a.project_code, a.task_name
FROM core.rate_cards a
JOIN core.rate_cards b
  ON a.project_code = b.project_code
 AND a.task_name IS NOT DISTINCT FROM b.task_name
 AND a.rate_id < b.rate_id
 AND a.valid_from <= coalesce(b.valid_to, DATE '9999-12-31')
 AND b.valid_from <= coalesce(a.valid_to, DATE '9999-12-31');
