-- One row per customer across the three systems. The CRM's name, country
-- and VAT id win; Xero's fill gaps; the billing currency is Harvest's.
CREATE OR REPLACE TABLE core.customers AS
SELECT
    i.customer_id,
    coalesce(max(h.name), max(x.name), max(c.name))                     AS name,
    coalesce(max(h.country), max(x.country))                            AS country,
    coalesce(max(h.vat_id), max(x.vat_id))                              AS vat_id,
    coalesce(max(c.currency), max(x.default_currency))                  AS currency,
    max(i.source_id) FILTER (WHERE i.system = 'hubspot')                AS hubspot_company_id,
    max(i.source_id) FILTER (WHERE i.system = 'harvest')                AS harvest_client_id,
    max(i.source_id) FILTER (WHERE i.system = 'xero')                   AS xero_contact_id,
    count(*) FILTER (WHERE i.system = 'harvest')                        AS harvest_clients,
    count(*) FILTER (WHERE i.system = 'xero')                           AS xero_contacts
FROM core.customer_identity i
LEFT JOIN staging.hubspot_companies h ON i.system = 'hubspot' AND h.company_id = i.source_id
LEFT JOIN staging.harvest_clients c ON i.system = 'harvest' AND c.client_id = i.source_id
LEFT JOIN staging.xero_contacts x ON i.system = 'xero' AND x.contact_id = i.source_id
GROUP BY i.customer_id;
