-- Every time entry books onto a project takt knows.
SELECT entry_id, project_id
FROM core.time_entries e
WHERE NOT EXISTS (SELECT 1 FROM core.projects p WHERE p.project_id = e.project_id);
