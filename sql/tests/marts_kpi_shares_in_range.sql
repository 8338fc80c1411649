-- Shares are between 0 and 1: a share above 1 means its two counts
-- disagree, e.g. more takt lines recorded for an invoice than the books
-- hold (reconcile.takt_invoice_lines out of step with Xero).
SELECT v.month, v.kpi, v.value
FROM marts.kpi_values v
JOIN marts.kpi_definitions d USING (kpi)
WHERE d.unit = 'share' AND (v.value < 0 OR v.value > 1);
