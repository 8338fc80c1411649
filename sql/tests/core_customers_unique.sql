SELECT customer_id, count(*) AS n FROM core.customers GROUP BY customer_id HAVING count(*) > 1;
