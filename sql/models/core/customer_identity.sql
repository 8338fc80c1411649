-- Which records in HubSpot, Harvest and Xero are the same customer, how we
-- know, and how sure we are. A wrong automatic match is worse than none,
-- so:
--
--   * pins in takt.yaml (ops.identity_rules) win: "same" groups are one
--     customer (method pinned); "different" pairs are never matched;
--   * otherwise methods are tried strongest first, and the first method
--     that finds any candidate decides: exactly one candidate is a match,
--     several are "ambiguous" and nothing weaker is tried;
--   * a name match is refused when both sides carry VAT ids or countries
--     that differ.
--
--   harvest client -> hubspot company:
--       project_code (1.0): the client's projects carry HubSpot deal ids as
--       project codes, and those deals belong to one company;
--       name (0.8): one company with the same normalised name.
--   xero contact -> customer:
--       invoice_number (1.0): the contact's invoices carry the numbers of
--       one Harvest client's invoices;
--       vat_id (1.0): one HubSpot company has its VAT id;
--       name (0.8): one customer (HubSpot company or Harvest client) has
--       its normalised name.
--
-- customer_id is "hubspot:<company id>" when the customer is known to the
-- CRM, else "harvest:<client id>", else "xero:<contact id>"; records left
-- alone (unmatched or ambiguous) are customers of their own.
CREATE OR REPLACE TABLE core.customer_identity AS
WITH
rules AS (
    SELECT * FROM ops.identity_rules WHERE kind = 'customer'
),
pin_anchor AS (
    SELECT rule_no,
           coalesce(max('hubspot:' || source_id) FILTER (WHERE system = 'hubspot'),
                    max('harvest:' || source_id) FILTER (WHERE system = 'harvest'),
                    max('xero:' || source_id) FILTER (WHERE system = 'xero')) AS customer_id,
           any_value(reason) AS reason
    FROM rules WHERE relation = 'same'
    GROUP BY rule_no
),
pinned AS (
    SELECT r.system, r.source_id, a.customer_id, a.reason
    FROM rules r JOIN pin_anchor a USING (rule_no)
    WHERE r.relation = 'same'
),
different AS (
    SELECT a.system, a.source_id, b.system AS other_system, b.source_id AS other_id
    FROM rules a
    JOIN rules b ON a.rule_no = b.rule_no AND a.system <> b.system
    WHERE a.relation = 'different' AND b.relation = 'different'
),
hs AS (
    SELECT company_id, name, name_key, vat_id, country FROM staging.hubspot_companies WHERE NOT archived
),
hv_cand AS (
    SELECT DISTINCT 'project_code' AS method, 1 AS prec, 1.0 AS confidence, p.client_id, d.company_id
    FROM staging.harvest_projects p
    JOIN staging.hubspot_deals d ON d.deal_id = p.code AND NOT d.archived
    JOIN hs ON hs.company_id = d.company_id
    UNION ALL
    SELECT DISTINCT 'name', 2, 0.8, c.client_id, hs.company_id
    FROM staging.harvest_clients c
    JOIN hs ON hs.name_key = c.name_key
),
hv_best AS (
    SELECT client_id, method, any_value(confidence) AS confidence,
           count(DISTINCT company_id) AS n, min(company_id) AS company_id,
           list(DISTINCT 'hubspot:' || company_id ORDER BY 'hubspot:' || company_id) AS candidates
    FROM hv_cand c
    WHERE NOT EXISTS (SELECT 1 FROM different d
                      WHERE d.system = 'harvest' AND d.source_id = c.client_id
                        AND d.other_system = 'hubspot' AND d.other_id = c.company_id)
    GROUP BY client_id, method, prec
    QUALIFY row_number() OVER (PARTITION BY client_id ORDER BY prec) = 1
),
hv AS (
    SELECT
        c.client_id,
        c.name,
        CASE WHEN p.customer_id IS NOT NULL THEN p.customer_id
             WHEN b.n = 1 THEN 'hubspot:' || b.company_id
             ELSE 'harvest:' || c.client_id END                        AS customer_id,
        CASE WHEN p.customer_id IS NOT NULL THEN 'pinned'
             WHEN b.n = 1 THEN b.method
             WHEN b.n > 1 THEN 'ambiguous'
             ELSE 'unmatched' END                                      AS method,
        CASE WHEN p.customer_id IS NOT NULL THEN 1.0
             WHEN b.n = 1 THEN b.confidence ELSE 0.0 END               AS confidence,
        CASE WHEN p.customer_id IS NULL AND b.n > 1 THEN b.candidates END AS candidates,
        CASE WHEN p.customer_id IS NULL AND b.n > 1 THEN b.method END  AS ambiguous_by,
        p.reason                                                       AS pin_reason
    FROM staging.harvest_clients c
    LEFT JOIN pinned p ON p.system = 'harvest' AND p.source_id = c.client_id
    LEFT JOIN hv_best b USING (client_id)
),
name_candidates AS (
    SELECT name_key, 'hubspot:' || company_id AS customer_id, vat_id, country FROM hs
    UNION
    SELECT c.name_key, hv.customer_id, h.vat_id, h.country
    FROM staging.harvest_clients c
    JOIN hv USING (client_id)
    LEFT JOIN hs h ON 'hubspot:' || h.company_id = hv.customer_id
    -- a client whose own identity is unsettled is no anchor for a guess
    WHERE hv.method <> 'ambiguous'
),
xe_cand AS (
    SELECT DISTINCT 'invoice_number' AS method, 1 AS prec, 1.0 AS confidence, x.contact_id, hv.customer_id
    FROM staging.xero_invoices x
    JOIN staging.harvest_invoices h ON h.number = x.invoice_number
    JOIN hv ON hv.client_id = h.client_id
    WHERE x.type = 'ACCREC'
    UNION ALL
    SELECT DISTINCT 'vat_id', 2, 1.0, x.contact_id, 'hubspot:' || hs.company_id
    FROM staging.xero_contacts x
    JOIN hs ON hs.vat_id = x.vat_id
    UNION ALL
    SELECT DISTINCT 'name', 3, 0.8, x.contact_id, n.customer_id
    FROM staging.xero_contacts x
    JOIN name_candidates n ON n.name_key = x.name_key
    WHERE NOT (x.vat_id IS NOT NULL AND n.vat_id IS NOT NULL AND x.vat_id <> n.vat_id)
      AND NOT (x.country IS NOT NULL AND n.country IS NOT NULL AND x.country <> n.country)
),
xe_forbidden AS (
    SELECT d.source_id AS contact_id,
           CASE d.other_system WHEN 'hubspot' THEN 'hubspot:' || d.other_id ELSE hv.customer_id END AS customer_id
    FROM different d
    LEFT JOIN hv ON d.other_system = 'harvest' AND hv.client_id = d.other_id
    WHERE d.system = 'xero'
),
xe_best AS (
    SELECT contact_id, method, any_value(confidence) AS confidence,
           count(DISTINCT customer_id) AS n, min(customer_id) AS customer_id,
           list(DISTINCT customer_id ORDER BY customer_id) AS candidates
    FROM xe_cand c
    WHERE NOT EXISTS (SELECT 1 FROM xe_forbidden f WHERE f.contact_id = c.contact_id AND f.customer_id = c.customer_id)
    GROUP BY contact_id, method, prec
    QUALIFY row_number() OVER (PARTITION BY contact_id ORDER BY prec) = 1
),
xe AS (
    SELECT
        x.contact_id,
        x.name,
        CASE WHEN p.customer_id IS NOT NULL THEN p.customer_id
             WHEN b.n = 1 THEN b.customer_id
             ELSE 'xero:' || x.contact_id END                          AS customer_id,
        CASE WHEN p.customer_id IS NOT NULL THEN 'pinned'
             WHEN b.n = 1 THEN b.method
             WHEN b.n > 1 THEN 'ambiguous'
             ELSE 'unmatched' END                                      AS method,
        CASE WHEN p.customer_id IS NOT NULL THEN 1.0
             WHEN b.n = 1 THEN b.confidence ELSE 0.0 END               AS confidence,
        CASE WHEN p.customer_id IS NULL AND b.n > 1 THEN b.candidates END AS candidates,
        CASE WHEN p.customer_id IS NULL AND b.n > 1 THEN b.method END  AS ambiguous_by,
        p.reason                                                       AS pin_reason
    FROM staging.xero_contacts x
    LEFT JOIN pinned p ON p.system = 'xero' AND p.source_id = x.contact_id
    LEFT JOIN xe_best b USING (contact_id)
)
SELECT 'hubspot' AS system, hs.company_id AS source_id, hs.name,
       coalesce(p.customer_id, 'hubspot:' || hs.company_id) AS customer_id,
       CASE WHEN p.customer_id IS NOT NULL THEN 'pinned' ELSE 'anchor' END AS method,
       1.0 AS confidence, NULL::VARCHAR[] AS candidates, NULL::VARCHAR AS ambiguous_by, p.reason AS pin_reason
FROM hs
LEFT JOIN pinned p ON p.system = 'hubspot' AND p.source_id = hs.company_id
UNION ALL
SELECT 'harvest', client_id, name, customer_id, method, confidence, candidates, ambiguous_by, pin_reason FROM hv
UNION ALL
SELECT 'xero', contact_id, name, customer_id, method, confidence, candidates, ambiguous_by, pin_reason FROM xe;
