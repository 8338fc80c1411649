-- HubSpot line items, latest version per id.
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
FROM raw.hubspot_line_items
QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, _run_id DESC, _extracted_at DESC) = 1;
