-- Projects as delivery sees them (Harvest), with their customer and the
-- CRM deal they were sold as (core.project_identity; a project two deals
-- point at keeps none rather than a guess). The billing model comes from the deal; a
-- project without a deal is fixed price when Harvest says fixed fee, else
-- time and materials.
CREATE OR REPLACE TABLE core.projects AS
SELECT
    p.project_id,
    p.code                                          AS project_code,
    p.name,
    p.client_id,
    i.customer_id,
    d.deal_id,
    coalesce(d.billing_model,
             CASE WHEN p.is_fixed_fee THEN 'fixed_price' ELSE 'time_and_materials' END) AS billing_model,
    p.is_billable,
    p.is_active,
    p.bill_by,
    CASE WHEN p.budget_by IN ('project', 'task') THEN p.budget END        AS budget_hours,
    CASE WHEN p.budget_by = 'project_cost' THEN p.budget END              AS budget_amount,
    p.fee,
    p.hourly_rate,
    c.currency,
    p.starts_on,
    p.ends_on
FROM staging.harvest_projects p
LEFT JOIN core.customer_identity i ON i.system = 'harvest' AND i.source_id = p.client_id
LEFT JOIN staging.harvest_clients c ON c.client_id = p.client_id
LEFT JOIN (
    SELECT project_id, min(source_id) AS deal_id FROM core.project_identity
    WHERE system = 'hubspot' AND project_id IS NOT NULL
    GROUP BY project_id
    HAVING count(*) = 1
) pd ON pd.project_id = p.project_id
LEFT JOIN staging.hubspot_deals d ON d.deal_id = pd.deal_id;
