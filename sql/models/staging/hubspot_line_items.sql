-- HubSpot line items in the current view (staging/sync.sql): the latest
-- version of each record the source still has (archived objects are
-- deleted ones; they are in staging.deleted_records).
CREATE OR REPLACE TABLE staging.hubspot_line_items AS
SELECT
    id                                  AS line_item_id,
    deal_id,
    name,
    sku,
    quantity,
    price,
    amount,
    upper(nullif(trim(currency), ''))   AS currency,
    coalesce(archived, false)           AS archived,
    created_at,
    updated_at
FROM staging.current_hubspot_line_items
WHERE _deleted_at IS NULL AND NOT coalesce(archived, false);
