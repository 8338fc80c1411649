-- Xero contacts, latest version per id. tax_number is the VAT id.
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
FROM raw.xero_contacts
QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, _run_id DESC, _extracted_at DESC) = 1;
