-- Harvest clients in the current view (staging/sync.sql): the latest
-- version of each record the source still has.
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
FROM staging.current_harvest_clients
WHERE _deleted_at IS NULL;
