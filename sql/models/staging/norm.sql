-- Normalisation rules shared by the staging models.
--
-- staging.norm_vat: a VAT id without spaces, dots and dashes, upper case
-- ("DE 123.456.789" -> "DE123456789"); empty -> NULL.
-- staging.norm_name: a company name reduced to what identifies it across
-- systems: umlauts transliterated, accents stripped, "&"/"und"/"and" and
-- legal forms (GmbH, Co. KG, Ltd, B.V., SAS, Inc, ...) removed, punctuation
-- dropped, spaces collapsed. "Müller Maschinenbau GmbH & Co. KG" and
-- "Mueller Maschinenbau" both become "mueller maschinenbau".
-- staging.country_code: ISO 3166 alpha-2 from a code or a common English or
-- German country name; NULL when unknown (never a guess).
CREATE OR REPLACE MACRO staging.norm_vat(v) AS
    nullif(upper(regexp_replace(coalesce(v, ''), '[^A-Za-z0-9]', '', 'g')), '');

CREATE OR REPLACE MACRO staging.norm_name(n) AS
    nullif(trim(regexp_replace(
        regexp_replace(
            regexp_replace(
                strip_accents(replace(replace(replace(replace(lower(coalesce(n, '')),
                    'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'ß', 'ss')),
                '[^a-z0-9 ]', ' ', 'g'),
            '\b(und|and|gmbh|mbh|co|kg|ag|se|ug|ohg|gbr|ltd|limited|llc|inc|corp|plc|bv|nv|sarl|sas|sa|srl|spa|ab|as|oy|gesmbh)\b', ' ', 'g'),
        '\s+', ' ', 'g')), '');

CREATE OR REPLACE MACRO staging.country_code(c) AS (
    CASE
        WHEN c IS NULL OR trim(c) = '' THEN NULL
        WHEN regexp_full_match(trim(c), '[A-Za-z]{2}') THEN upper(trim(c))
        ELSE CASE lower(trim(c))
            WHEN 'germany' THEN 'DE' WHEN 'deutschland' THEN 'DE'
            WHEN 'austria' THEN 'AT' WHEN 'österreich' THEN 'AT'
            WHEN 'switzerland' THEN 'CH' WHEN 'schweiz' THEN 'CH'
            WHEN 'france' THEN 'FR' WHEN 'frankreich' THEN 'FR'
            WHEN 'netherlands' THEN 'NL' WHEN 'the netherlands' THEN 'NL' WHEN 'niederlande' THEN 'NL'
            WHEN 'belgium' THEN 'BE' WHEN 'belgien' THEN 'BE'
            WHEN 'luxembourg' THEN 'LU' WHEN 'luxemburg' THEN 'LU'
            WHEN 'italy' THEN 'IT' WHEN 'italien' THEN 'IT'
            WHEN 'spain' THEN 'ES' WHEN 'spanien' THEN 'ES'
            WHEN 'denmark' THEN 'DK' WHEN 'dänemark' THEN 'DK'
            WHEN 'sweden' THEN 'SE' WHEN 'schweden' THEN 'SE'
            WHEN 'poland' THEN 'PL' WHEN 'polen' THEN 'PL'
            WHEN 'ireland' THEN 'IE' WHEN 'irland' THEN 'IE'
            WHEN 'united kingdom' THEN 'GB' WHEN 'great britain' THEN 'GB' WHEN 'uk' THEN 'GB'
            WHEN 'vereinigtes königreich' THEN 'GB' WHEN 'großbritannien' THEN 'GB'
            WHEN 'united states' THEN 'US' WHEN 'united states of america' THEN 'US' WHEN 'usa' THEN 'US'
            WHEN 'vereinigte staaten' THEN 'US'
            ELSE NULL
        END
    END
);

-- EU member states, for reverse charge.
CREATE OR REPLACE MACRO staging.is_eu(c) AS
    c IN ('AT','BE','BG','CY','CZ','DE','DK','EE','ES','FI','FR','GR','HR','HU','IE','IT',
          'LT','LU','LV','MT','NL','PL','PT','RO','SE','SI','SK');

-- staging.div_cents(a, b): a / b rounded to cents, half away from zero,
-- computed exactly in integers (DuckDB divides decimals as doubles, which
-- rounds 1.005 down). a may have up to 4 decimal places, b up to 6 (the
-- scales of amounts and rates in the raw layer). Used to convert amounts
-- into the base currency at a recorded exchange rate.
CREATE OR REPLACE MACRO staging.div_cents(a, b) AS (
    (sign((a::DECIMAL(38,4) * 10000)::HUGEINT) * sign((b::DECIMAL(38,6) * 1000000)::HUGEINT)
     * ((2 * abs((a::DECIMAL(38,4) * 10000)::HUGEINT) * 10000 + abs((b::DECIMAL(38,6) * 1000000)::HUGEINT))
        // (2 * abs((b::DECIMAL(38,6) * 1000000)::HUGEINT)))
    )::DECIMAL(38,0) * 0.01::DECIMAL(3,2)
);
