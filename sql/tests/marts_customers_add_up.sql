-- The per-customer figures add up to the month's: receivables, gross
-- sales, invoices due and dunned, unbilled work (its amount where it is
-- defined: work in a currency without a rate leaves it undefined).
WITH c AS (
    SELECT month, sum(ar_end) AS ar_end, sum(gross_sales) AS gross_sales, sum(invoices_due) AS invoices_due,
           sum(invoices_dunned) AS invoices_dunned, sum(unbilled_amount) AS unbilled_amount, sum(unbilled_items) AS unbilled_items
    FROM marts.kpi_customer_monthly GROUP BY month
)
SELECT k.month, k.ar_end, c.ar_end AS customers_ar_end, k.gross_sales, c.gross_sales AS customers_gross_sales
FROM marts.kpi_monthly k
LEFT JOIN c USING (month)
WHERE k.ar_end <> coalesce(c.ar_end, 0)
   OR k.gross_sales <> coalesce(c.gross_sales, 0)
   OR k.invoices_due <> coalesce(c.invoices_due, 0)
   OR k.invoices_dunned <> coalesce(c.invoices_dunned, 0)
   OR k.unbilled_items <> coalesce(c.unbilled_items, 0)
   OR k.unbilled_amount <> coalesce(c.unbilled_amount, 0);
