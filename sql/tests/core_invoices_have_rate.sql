-- Every issued document in a foreign currency has the exchange rate it was
-- booked at; without it its base-currency amount (and every KPI) is unknown.
SELECT document_id, number, currency
FROM core.invoices
WHERE issued AND currency_rate IS NULL;
