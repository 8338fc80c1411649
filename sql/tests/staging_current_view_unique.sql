-- The current view holds one version of each record.
SELECT 'harvest.time_entries' AS stream, entry_id AS id FROM staging.harvest_time_entries GROUP BY entry_id HAVING count(*) > 1
UNION ALL
SELECT 'harvest.expenses', expense_id FROM staging.harvest_expenses GROUP BY expense_id HAVING count(*) > 1
UNION ALL
SELECT 'harvest.projects', project_id FROM staging.harvest_projects GROUP BY project_id HAVING count(*) > 1
UNION ALL
SELECT 'harvest.invoices', invoice_id FROM staging.harvest_invoices GROUP BY invoice_id HAVING count(*) > 1
UNION ALL
SELECT 'hubspot.deals', deal_id FROM staging.hubspot_deals GROUP BY deal_id HAVING count(*) > 1
UNION ALL
SELECT 'xero.invoices', invoice_id FROM staging.xero_invoices GROUP BY invoice_id HAVING count(*) > 1
UNION ALL
SELECT 'xero.payments', payment_id FROM staging.xero_payments GROUP BY payment_id HAVING count(*) > 1;
