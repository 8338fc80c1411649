-- How each customer's invoices are taxed, from its country and VAT id
-- (company setting home_country and vat_standard):
--
--   domestic        customer in the home country, or in another EU state
--                   without a VAT id of valid format (then takt cannot
--                   show the customer is a business, so home VAT is due,
--                   and reconcile.exceptions reports
--                   reverse_charge_without_vat_id), or of unknown country:
--                   the standard rate.
--   reverse_charge  EU business customer outside the home country with a
--                   VAT id of valid format: 0 %, the customer owes the tax
--                   (§13b UStG, Art. 196 VAT Directive).
--   non_eu          customer outside the EU: the service is not taxable
--                   in the home country (§3a(2) UStG), 0 %.
--
-- A VAT id has valid format when it starts with its country's prefix (EL
-- for Greece) and matches that country's pattern; check digits and the
-- confirmation by the tax authority (qualified confirmation) are not
-- checked here.
CREATE OR REPLACE MACRO core.vat_id_format_ok(country, vat) AS
    CASE country
        WHEN 'AT' THEN regexp_full_match(vat, 'ATU[0-9]{8}')
        WHEN 'BE' THEN regexp_full_match(vat, 'BE[01][0-9]{9}')
        WHEN 'BG' THEN regexp_full_match(vat, 'BG[0-9]{9,10}')
        WHEN 'CY' THEN regexp_full_match(vat, 'CY[0-9]{8}[A-Z]')
        WHEN 'CZ' THEN regexp_full_match(vat, 'CZ[0-9]{8,10}')
        WHEN 'DE' THEN regexp_full_match(vat, 'DE[0-9]{9}')
        WHEN 'DK' THEN regexp_full_match(vat, 'DK[0-9]{8}')
        WHEN 'EE' THEN regexp_full_match(vat, 'EE[0-9]{9}')
        WHEN 'GR' THEN regexp_full_match(vat, 'EL[0-9]{9}')
        WHEN 'ES' THEN regexp_full_match(vat, 'ES[A-Z0-9][0-9]{7}[A-Z0-9]')
        WHEN 'FI' THEN regexp_full_match(vat, 'FI[0-9]{8}')
        WHEN 'FR' THEN regexp_full_match(vat, 'FR[A-HJ-NP-Z0-9]{2}[0-9]{9}')
        WHEN 'HR' THEN regexp_full_match(vat, 'HR[0-9]{11}')
        WHEN 'HU' THEN regexp_full_match(vat, 'HU[0-9]{8}')
        WHEN 'IE' THEN regexp_full_match(vat, 'IE([0-9]{7}[A-W][A-I]?|[0-9][A-Z+*][0-9]{5}[A-W])')
        WHEN 'IT' THEN regexp_full_match(vat, 'IT[0-9]{11}')
        WHEN 'LT' THEN regexp_full_match(vat, 'LT([0-9]{9}|[0-9]{12})')
        WHEN 'LU' THEN regexp_full_match(vat, 'LU[0-9]{8}')
        WHEN 'LV' THEN regexp_full_match(vat, 'LV[0-9]{11}')
        WHEN 'MT' THEN regexp_full_match(vat, 'MT[0-9]{8}')
        WHEN 'NL' THEN regexp_full_match(vat, 'NL[0-9]{9}B[0-9]{2}')
        WHEN 'PL' THEN regexp_full_match(vat, 'PL[0-9]{10}')
        WHEN 'PT' THEN regexp_full_match(vat, 'PT[0-9]{9}')
        WHEN 'RO' THEN regexp_full_match(vat, 'RO[0-9]{2,10}')
        WHEN 'SE' THEN regexp_full_match(vat, 'SE[0-9]{12}')
        WHEN 'SI' THEN regexp_full_match(vat, 'SI[0-9]{8}')
        WHEN 'SK' THEN regexp_full_match(vat, 'SK[0-9]{10}')
        ELSE false
    END;

CREATE OR REPLACE TABLE core.customer_vat AS
WITH c AS (
    SELECT customer_id, name, country, vat_id,
           coalesce(core.vat_id_format_ok(country, vat_id), false) AS vat_id_valid,
           staging.setting('home_country')          AS home
    FROM core.customers
)
SELECT
    customer_id,
    name,
    country,
    vat_id,
    vat_id_valid,
    CASE
        WHEN country IS NULL OR country = home          THEN 'domestic'
        WHEN staging.is_eu(country) AND vat_id_valid    THEN 'reverse_charge'
        WHEN staging.is_eu(country)                     THEN 'domestic'
        ELSE 'non_eu'
    END                                                 AS vat_case,
    CASE
        WHEN country IS NULL OR country = home OR (staging.is_eu(country) AND NOT vat_id_valid)
            THEN staging.setting('vat_standard')::DECIMAL(5,2)
        ELSE 0::DECIMAL(5,2)
    END                                                 AS tax_rate,
    staging.is_eu(country) AND country <> home AND NOT vat_id_valid AS eu_without_vat_id
FROM c;
