-- One value per month and KPI.
SELECT month, kpi, count(*) AS n
FROM marts.kpi_values
GROUP BY month, kpi
HAVING count(*) > 1;
