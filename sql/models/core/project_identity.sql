-- Which HubSpot deal and which project code on Xero invoice lines belong to
-- which Harvest project (Harvest is where projects live). Same rules as
-- core.customer_identity: pins win, the strongest method that finds
-- candidates decides, several candidates are ambiguous, not a guess.
--
--   hubspot deal -> harvest project:
--       project_code (1.0): the project's code is the deal id;
--       name (0.8): one project of the deal's customer with the same
--       normalised name.
--   xero tracking option (project code on invoice lines) -> project:
--       project_code (1.0): one project with that code.
--
-- Only closed-won deals are expected to have a project; open deals are not
-- listed as unmatched.
CREATE OR REPLACE TABLE core.project_identity AS
WITH
rules AS (
    SELECT * FROM ops.identity_rules WHERE kind = 'project'
),
pinned AS (
    SELECT r.system, r.source_id, h.source_id AS project_id, r.reason
    FROM rules r
    JOIN rules h ON h.rule_no = r.rule_no AND h.system = 'harvest' AND h.relation = 'same'
    WHERE r.relation = 'same' AND r.system <> 'harvest'
),
different AS (
    SELECT a.system, a.source_id, b.source_id AS project_id
    FROM rules a
    JOIN rules b ON a.rule_no = b.rule_no AND b.system = 'harvest'
    WHERE a.relation = 'different' AND b.relation = 'different' AND a.system <> 'harvest'
),
projects AS (
    SELECT p.project_id, p.code, p.name, staging.norm_name(p.name) AS name_key, i.customer_id
    FROM staging.harvest_projects p
    LEFT JOIN core.customer_identity i ON i.system = 'harvest' AND i.source_id = p.client_id
),
deals AS (
    SELECT d.deal_id, d.name, staging.norm_name(d.name) AS name_key, d.stage, i.customer_id
    FROM staging.hubspot_deals d
    LEFT JOIN core.customer_identity i ON i.system = 'hubspot' AND i.source_id = d.company_id
    WHERE NOT d.archived
),
deal_cand AS (
    SELECT 'project_code' AS method, 1 AS prec, 1.0 AS confidence, d.deal_id, p.project_id
    FROM deals d JOIN projects p ON p.code = d.deal_id
    UNION ALL
    SELECT 'name', 2, 0.8, d.deal_id, p.project_id
    FROM deals d JOIN projects p ON p.name_key = d.name_key AND p.customer_id = d.customer_id
),
deal_best AS (
    SELECT deal_id, method, any_value(confidence) AS confidence, count(DISTINCT project_id) AS n,
           min(project_id) AS project_id, list(DISTINCT project_id ORDER BY project_id) AS candidates
    FROM deal_cand c
    WHERE NOT EXISTS (SELECT 1 FROM different x WHERE x.system = 'hubspot' AND x.source_id = c.deal_id AND x.project_id = c.project_id)
    GROUP BY deal_id, method, prec
    QUALIFY row_number() OVER (PARTITION BY deal_id ORDER BY prec) = 1
),
codes AS (
    SELECT DISTINCT l.tracking_option AS code
    FROM staging.xero_invoice_lines l
    JOIN staging.xero_invoices i USING (invoice_id)
    WHERE i.type = 'ACCREC' AND l.tracking_option IS NOT NULL AND trim(l.tracking_option) <> ''
),
code_best AS (
    SELECT c.code, count(DISTINCT p.project_id) AS n, min(p.project_id) AS project_id,
           list(DISTINCT p.project_id ORDER BY p.project_id) AS candidates
    FROM codes c
    JOIN projects p ON p.code = c.code
    WHERE NOT EXISTS (SELECT 1 FROM different x WHERE x.system = 'xero' AND x.source_id = c.code AND x.project_id = p.project_id)
    GROUP BY c.code
)
SELECT 'harvest' AS system, p.project_id AS source_id, p.name, p.project_id, 'anchor' AS method,
       1.0 AS confidence, NULL::VARCHAR[] AS candidates, NULL::VARCHAR AS ambiguous_by, NULL::VARCHAR AS pin_reason
FROM projects p
UNION ALL
SELECT
    'hubspot', d.deal_id, d.name,
    CASE WHEN pn.project_id IS NOT NULL THEN pn.project_id WHEN b.n = 1 THEN b.project_id END,
    CASE WHEN pn.project_id IS NOT NULL THEN 'pinned' WHEN b.n = 1 THEN b.method
         WHEN b.n > 1 THEN 'ambiguous' ELSE 'unmatched' END,
    CASE WHEN pn.project_id IS NOT NULL THEN 1.0 WHEN b.n = 1 THEN b.confidence ELSE 0.0 END,
    CASE WHEN pn.project_id IS NULL AND b.n > 1 THEN b.candidates END,
    CASE WHEN pn.project_id IS NULL AND b.n > 1 THEN b.method END,
    pn.reason
FROM deals d
LEFT JOIN pinned pn ON pn.system = 'hubspot' AND pn.source_id = d.deal_id
LEFT JOIN deal_best b USING (deal_id)
WHERE pn.project_id IS NOT NULL OR b.deal_id IS NOT NULL OR lower(coalesce(d.stage, '')) LIKE '%won%'
UNION ALL
SELECT
    'xero', c.code, c.code,
    CASE WHEN pn.project_id IS NOT NULL THEN pn.project_id WHEN b.n = 1 THEN b.project_id END,
    CASE WHEN pn.project_id IS NOT NULL THEN 'pinned' WHEN b.n = 1 THEN 'project_code'
         WHEN b.n > 1 THEN 'ambiguous' ELSE 'unmatched' END,
    CASE WHEN pn.project_id IS NOT NULL THEN 1.0 WHEN b.n = 1 THEN 1.0 ELSE 0.0 END,
    CASE WHEN pn.project_id IS NULL AND b.n > 1 THEN b.candidates END,
    CASE WHEN pn.project_id IS NULL AND b.n > 1 THEN 'project_code' END,
    pn.reason
FROM codes c
LEFT JOIN pinned pn ON pn.system = 'xero' AND pn.source_id = c.code
LEFT JOIN code_best b USING (code);
