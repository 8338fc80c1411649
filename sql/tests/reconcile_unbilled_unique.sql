SELECT kind, source_id, count(*) AS n FROM reconcile.unbilled_work GROUP BY kind, source_id HAVING count(*) > 1;
