-- Every KPI of every month is either a value or undefined with a reason,
-- never both, never neither; and every KPI has a definition.
SELECT v.month, v.kpi, v.value, v.reason
FROM marts.kpi_values v
LEFT JOIN marts.kpi_definitions d USING (kpi)
WHERE (v.value IS NULL) = (v.reason IS NULL)
   OR d.kpi IS NULL;
