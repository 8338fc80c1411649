-- HubSpot deals, latest version per id.
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
FROM raw.hubspot_deals
QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, _run_id DESC, _extracted_at DESC) = 1;
