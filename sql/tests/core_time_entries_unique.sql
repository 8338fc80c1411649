SELECT entry_id, count(*) AS n FROM core.time_entries GROUP BY entry_id HAVING count(*) > 1;
