-- Records deleted or voided in their source, as soft deletes with the time
-- takt saw them so: never a silent gap. One row per record, with its last
-- known version (_raw, updated_at) and how it went:
--   absent_from_full_refresh  a completed full refresh no longer found it;
--   absent_from_id_list       a listing of the stream's ids no longer held
--                             it (Harvest reports no deletions otherwise);
--   archived                  HubSpot lists it as archived;
--   voided, deleted           a Xero document (or payment) with that status.
-- deleted_at is when takt first saw it so. The current view leaves out the
-- first three (the staging tables of their streams do not hold them);
-- voided and deleted Xero documents stay there with their status and never
-- count as issued.
CREATE OR REPLACE TABLE staging.deleted_records AS
SELECT 'harvest' AS source, 'clients' AS stream, id, updated_at, _deleted_at AS deleted_at, _deleted_how AS how, _raw
FROM staging.current_harvest_clients WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'harvest', 'projects', id, updated_at, _deleted_at, _deleted_how, _raw
FROM staging.current_harvest_projects WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'harvest', 'users', id, updated_at, _deleted_at, _deleted_how, _raw
FROM staging.current_harvest_users WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'harvest', 'tasks', id, updated_at, _deleted_at, _deleted_how, _raw
FROM staging.current_harvest_tasks WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'harvest', 'task_assignments', id, updated_at, _deleted_at, _deleted_how, _raw
FROM staging.current_harvest_task_assignments WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'harvest', 'time_entries', id, updated_at, _deleted_at, _deleted_how, _raw
FROM staging.current_harvest_time_entries WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'harvest', 'expenses', id, updated_at, _deleted_at, _deleted_how, _raw
FROM staging.current_harvest_expenses WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'harvest', 'invoices', id, updated_at, _deleted_at, _deleted_how, _raw
FROM staging.current_harvest_invoices WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'hubspot', 'companies', id, updated_at, coalesce(_deleted_at, _first_seen), coalesce(_deleted_how, 'archived'), _raw
FROM staging.current_hubspot_companies WHERE _deleted_at IS NOT NULL OR archived
UNION ALL
SELECT 'hubspot', 'deals', id, updated_at, coalesce(_deleted_at, _first_seen), coalesce(_deleted_how, 'archived'), _raw
FROM staging.current_hubspot_deals WHERE _deleted_at IS NOT NULL OR archived
UNION ALL
SELECT 'hubspot', 'line_items', id, updated_at, coalesce(_deleted_at, _first_seen), coalesce(_deleted_how, 'archived'), _raw
FROM staging.current_hubspot_line_items WHERE _deleted_at IS NOT NULL OR archived
UNION ALL
SELECT 'xero', 'contacts', id, updated_at, _deleted_at, _deleted_how, _raw
FROM staging.current_xero_contacts WHERE _deleted_at IS NOT NULL
UNION ALL
SELECT 'xero', 'invoices', id, updated_at, coalesce(_deleted_at, _first_seen),
       coalesce(_deleted_how, CASE status WHEN 'VOIDED' THEN 'voided' ELSE 'deleted' END), _raw
FROM staging.current_xero_invoices WHERE _deleted_at IS NOT NULL OR status IN ('VOIDED', 'DELETED')
UNION ALL
SELECT 'xero', 'credit_notes', id, updated_at, coalesce(_deleted_at, _first_seen),
       coalesce(_deleted_how, CASE status WHEN 'VOIDED' THEN 'voided' ELSE 'deleted' END), _raw
FROM staging.current_xero_credit_notes WHERE _deleted_at IS NOT NULL OR status IN ('VOIDED', 'DELETED')
UNION ALL
SELECT 'xero', 'payments', id, updated_at, coalesce(_deleted_at, _first_seen), coalesce(_deleted_how, 'deleted'), _raw
FROM staging.current_xero_payments WHERE _deleted_at IS NOT NULL OR status = 'DELETED';
