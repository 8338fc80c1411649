-- Xero contacts in the current view (staging/sync.sql): the latest
-- version of each record the source still has. tax_number is the VAT id.
CREATE OR REPLACE TABLE staging.xero_contacts AS
SELECT
    id                                  AS contact_id,
    trim(name)                          AS name,
    staging.norm_name(name)             AS name_key,
    nullif(trim(contact_number), '')    AS contact_number,
    nullif(trim(account_number), '')    AS account_number,
    staging.norm_vat(tax_number)        AS vat_id,
    status,
    is_customer,
    upper(nullif(trim(default_currency), '')) AS default_currency,
    staging.country_code(country)       AS country,
    email,
    updated_at
FROM staging.current_xero_contacts
WHERE _deleted_at IS NULL;
