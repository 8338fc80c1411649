SELECT document_id, count(*) AS n FROM core.invoices GROUP BY document_id HAVING count(*) > 1;
