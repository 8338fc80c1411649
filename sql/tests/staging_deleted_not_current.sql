-- A record deleted in its source (gone from a full refresh or an id
-- listing, or archived in HubSpot) is not in the current view.
SELECT d.source, d.stream, d.id, d.how
FROM staging.deleted_records d
WHERE d.how IN ('absent_from_full_refresh', 'absent_from_id_list', 'archived')
  AND (
       (d.source = 'harvest' AND d.stream = 'time_entries' AND d.id IN (SELECT entry_id FROM staging.harvest_time_entries))
    OR (d.source = 'harvest' AND d.stream = 'expenses' AND d.id IN (SELECT expense_id FROM staging.harvest_expenses))
    OR (d.source = 'harvest' AND d.stream = 'projects' AND d.id IN (SELECT project_id FROM staging.harvest_projects))
    OR (d.source = 'harvest' AND d.stream = 'clients' AND d.id IN (SELECT client_id FROM staging.harvest_clients))
    OR (d.source = 'harvest' AND d.stream = 'invoices' AND d.id IN (SELECT invoice_id FROM staging.harvest_invoices))
    OR (d.source = 'hubspot' AND d.stream = 'companies' AND d.id IN (SELECT company_id FROM staging.hubspot_companies))
    OR (d.source = 'hubspot' AND d.stream = 'deals' AND d.id IN (SELECT deal_id FROM staging.hubspot_deals))
    OR (d.source = 'xero' AND d.stream = 'invoices' AND d.id IN (SELECT invoice_id FROM staging.xero_invoices))
    OR (d.source = 'xero' AND d.stream = 'contacts' AND d.id IN (SELECT contact_id FROM staging.xero_contacts))
  );
