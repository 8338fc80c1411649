-- Every invoice line takt exported from a draft billing run, with whether
-- a person changed it by hand before export. The automation share KPI
-- reads it; draft billing runs fill it.
CREATE OR REPLACE VIEW reconcile.takt_invoice_lines AS
SELECT
    NULL::VARCHAR        AS run_id,
    NULL::VARCHAR        AS invoice_number,
    NULL::VARCHAR        AS line_key,
    NULL::DECIMAL(18,2)  AS amount,
    NULL::VARCHAR        AS currency,
    NULL::BOOLEAN        AS manually_changed
WHERE false;
