-- Every project-side record belongs to at most one project.
SELECT system, source_id, count(*) AS n
FROM core.project_identity
GROUP BY system, source_id
HAVING count(*) > 1;
