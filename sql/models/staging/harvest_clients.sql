-- Harvest clients, latest version per id.
CREATE OR REPLACE TABLE staging.harvest_clients AS
SELECT
    id                                  AS client_id,
    trim(name)                          AS name,
    staging.norm_name(name)             AS name_key,
    coalesce(is_active, true)           AS is_active,
    upper(currency)                     AS currency,
    address,
    created_at,
    updated_at
FROM raw.harvest_clients
QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, _run_id DESC, _extracted_at DESC) = 1;
