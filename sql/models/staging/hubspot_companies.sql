-- HubSpot companies in the current view (staging/sync.sql): the latest
-- version of each record the source still has (archived objects are
-- deleted ones; they are in staging.deleted_records).
CREATE OR REPLACE TABLE staging.hubspot_companies AS
SELECT
    id                                  AS company_id,
    trim(name)                          AS name,
    staging.norm_name(name)             AS name_key,
    nullif(trim(domain), '')            AS domain,
    country                             AS country_text,
    staging.country_code(country)       AS country,
    staging.norm_vat(vat_id)            AS vat_id,
    coalesce(archived, false)           AS archived,
    created_at,
    updated_at
FROM staging.current_hubspot_companies
WHERE _deleted_at IS NULL AND NOT coalesce(archived, false);
