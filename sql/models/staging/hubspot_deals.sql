-- HubSpot deals in the current view (staging/sync.sql): the latest
-- version of each record the source still has (archived objects are
-- deleted ones; they are in staging.deleted_records).
CREATE OR REPLACE TABLE staging.hubspot_deals AS
SELECT
    id                                  AS deal_id,
    trim(name)                          AS name,
    amount,
    upper(nullif(trim(currency), ''))   AS currency,
    stage,
    pipeline,
    close_date,
    nullif(trim(billing_model), '')     AS billing_model,
    company_id,
    coalesce(archived, false)           AS archived,
    created_at,
    updated_at
FROM staging.current_hubspot_deals
WHERE _deleted_at IS NULL AND NOT coalesce(archived, false);
