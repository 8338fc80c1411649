-- HubSpot companies, latest version per id.
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
FROM raw.hubspot_companies
QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, _run_id DESC, _extracted_at DESC) = 1;
