-- Which records in HubSpot, Harvest and Xero are the same customer, how we
-- know, and how sure we are. Matching prefers explicit ids the sources
-- carry, then VAT ids, then the normalised name, and accepts a match only
-- when it is unique: a wrong automatic match is worse than none.
--
--   harvest client -> hubspot company: the client's projects carry HubSpot
--       deal ids as project codes, and those deals belong to one company
--       (method project_code, confidence 1.0); else a unique normalised
--       name (method name, 0.8).
--   xero contact -> customer: the contact holds invoices whose numbers are
--       Harvest invoices of one client (method invoice_number, 1.0); else
--       its VAT id equals one HubSpot company's (method vat_id, 1.0); else a
--       unique normalised name among HubSpot companies and Harvest clients
--       (method name, 0.8).
--
-- customer_id is "hubspot:<company id>" when the customer is known to the
-- CRM, else "harvest:<client id>", else "xero:<contact id>".
CREATE OR REPLACE TABLE core.customer_identity AS
WITH
hs AS (
    SELECT company_id, name, name_key, vat_id FROM staging.hubspot_companies WHERE NOT archived
),
hv_by_code AS (
    SELECT p.client_id, min(d.company_id) AS company_id
    FROM staging.harvest_projects p
    JOIN staging.hubspot_deals d ON d.deal_id = p.code AND NOT d.archived
    JOIN hs ON hs.company_id = d.company_id
    GROUP BY p.client_id
    HAVING count(DISTINCT d.company_id) = 1
),
hv_by_name AS (
    SELECT c.client_id, min(hs.company_id) AS company_id
    FROM staging.harvest_clients c
    JOIN hs ON hs.name_key = c.name_key
    GROUP BY c.client_id
    HAVING count(DISTINCT hs.company_id) = 1
),
hv AS (
    SELECT
        c.client_id,
        c.name,
        coalesce(bc.company_id, bn.company_id) AS company_id,
        CASE WHEN bc.company_id IS NOT NULL THEN 'project_code'
             WHEN bn.company_id IS NOT NULL THEN 'name' END AS method,
        CASE WHEN bc.company_id IS NOT NULL THEN 1.0
             WHEN bn.company_id IS NOT NULL THEN 0.8 END AS confidence
    FROM staging.harvest_clients c
    LEFT JOIN hv_by_code bc USING (client_id)
    LEFT JOIN hv_by_name bn USING (client_id)
),
hv_customer AS (
    SELECT client_id, name, method, confidence,
           CASE WHEN company_id IS NOT NULL THEN 'hubspot:' || company_id ELSE 'harvest:' || client_id END AS customer_id
    FROM hv
),
xe_by_invoice AS (
    SELECT x.contact_id, min(hc.customer_id) AS customer_id
    FROM staging.xero_invoices x
    JOIN staging.harvest_invoices h ON h.number = x.invoice_number
    JOIN hv_customer hc ON hc.client_id = h.client_id
    WHERE x.type = 'ACCREC'
    GROUP BY x.contact_id
    HAVING count(DISTINCT hc.customer_id) = 1
),
xe_by_vat AS (
    SELECT x.contact_id, min('hubspot:' || hs.company_id) AS customer_id
    FROM staging.xero_contacts x
    JOIN hs ON hs.vat_id = x.vat_id
    GROUP BY x.contact_id
    HAVING count(DISTINCT hs.company_id) = 1
),
name_candidates AS (
    SELECT name_key, 'hubspot:' || company_id AS customer_id FROM hs
    UNION
    SELECT c.name_key, hc.customer_id FROM staging.harvest_clients c JOIN hv_customer hc USING (client_id)
),
xe_by_name AS (
    SELECT x.contact_id, min(n.customer_id) AS customer_id
    FROM staging.xero_contacts x
    JOIN name_candidates n ON n.name_key = x.name_key
    GROUP BY x.contact_id
    HAVING count(DISTINCT n.customer_id) = 1
),
xe AS (
    SELECT
        x.contact_id,
        x.name,
        coalesce(bi.customer_id, bv.customer_id, bn.customer_id, 'xero:' || x.contact_id) AS customer_id,
        CASE WHEN bi.customer_id IS NOT NULL THEN 'invoice_number'
             WHEN bv.customer_id IS NOT NULL THEN 'vat_id'
             WHEN bn.customer_id IS NOT NULL THEN 'name' END AS method,
        CASE WHEN bi.customer_id IS NOT NULL OR bv.customer_id IS NOT NULL THEN 1.0
             WHEN bn.customer_id IS NOT NULL THEN 0.8 END AS confidence
    FROM staging.xero_contacts x
    LEFT JOIN xe_by_invoice bi USING (contact_id)
    LEFT JOIN xe_by_vat bv USING (contact_id)
    LEFT JOIN xe_by_name bn USING (contact_id)
)
SELECT 'hubspot' AS system, company_id AS source_id, name, 'hubspot:' || company_id AS customer_id,
       'anchor' AS method, 1.0 AS confidence
FROM hs
UNION ALL
SELECT 'harvest', client_id, name, customer_id, coalesce(method, 'unmatched'), coalesce(confidence, 0.0) FROM hv_customer
UNION ALL
SELECT 'xero', contact_id, name, customer_id, coalesce(method, 'unmatched'), coalesce(confidence, 0.0) FROM xe;
