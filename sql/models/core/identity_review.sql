-- The records a person should look at: customers and projects no method
-- matched, or that several candidates fit. Each with what takt tried and
-- how to settle it (a pin in takt.yaml under identities).
CREATE OR REPLACE TABLE core.identity_review AS
SELECT
    'customer'                                      AS kind,
    system,
    source_id,
    name,
    method                                          AS status,
    candidates,
    CASE
        WHEN method = 'ambiguous' THEN
            printf('%s %s (%s) fits %d customers by %s: %s. Pin the right one under identities.customers (same), or mark the wrong ones (different).',
                   system, source_id, coalesce(name, 'no name'), len(candidates), replace(ambiguous_by, '_', ' '),
                   array_to_string(candidates, ', '))
        WHEN system = 'harvest' THEN
            printf('Harvest client %s (%s) has no project whose code is a HubSpot deal id and no HubSpot company of the same name. If it is a known customer, pin it under identities.customers.',
                   source_id, coalesce(name, 'no name'))
        ELSE
            printf('Xero contact %s (%s) shares no invoice number with Harvest, no VAT id with HubSpot and no name with a known customer. If it is one, pin it under identities.customers.',
                   source_id, coalesce(name, 'no name'))
    END                                             AS hint
FROM core.customer_identity
WHERE method IN ('unmatched', 'ambiguous')
  AND NOT (system = 'xero' AND source_id IN (
        SELECT contact_id FROM staging.xero_contacts WHERE is_customer IS NOT DISTINCT FROM false))
UNION ALL
SELECT
    'project', system, source_id, name, method, candidates,
    CASE
        WHEN method = 'ambiguous' THEN
            printf('%s %s (%s) fits %d Harvest projects by %s: %s. Pin the right one under identities.projects.',
                   system, source_id, coalesce(name, 'no name'), len(candidates), replace(ambiguous_by, '_', ' '),
                   array_to_string(candidates, ', '))
        WHEN system = 'hubspot' THEN
            printf('Won deal %s (%s) has no Harvest project whose code is the deal id, and no project of its customer has its name. Put the deal id into the project''s code in Harvest, or pin it under identities.projects.',
                   source_id, coalesce(name, 'no name'))
        ELSE
            printf('Xero invoice lines are tracked to project code %s, which no Harvest project has. Correct the tracking in Xero or the code in Harvest, or pin it under identities.projects.',
                   source_id)
    END
FROM core.project_identity
WHERE method IN ('unmatched', 'ambiguous')
ORDER BY kind, system, source_id;
