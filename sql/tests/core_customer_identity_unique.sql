-- Every source record belongs to exactly one customer.
SELECT system, source_id, count(*) AS n
FROM core.customer_identity
GROUP BY system, source_id
HAVING count(*) > 1;
