-- Every invoice line takt exported from a draft billing run, with whether
-- a person changed it by hand before export. The automation share KPI
-- reads it. line_key is "<run id>/<line id>"; write-off proposals are not
-- lines of the invoice and are left out; credit notes' lines carry
-- negative amounts.
CREATE OR REPLACE VIEW reconcile.takt_invoice_lines AS
SELECT
    r.run_id                                        AS run_id,
    i.invoice_number                                AS invoice_number,
    r.run_id || '/' || l.line_id                    AS line_key,
    CASE WHEN i.doc_type = 'credit_note' THEN -l.amount ELSE l.amount END::DECIMAL(18,2) AS amount,
    i.currency                                      AS currency,
    l.manually_changed                              AS manually_changed
FROM billing.runs r
JOIN billing.invoices i ON i.run_id = r.run_id
JOIN billing.lines l ON l.run_id = i.run_id AND l.invoice_id = i.invoice_id
WHERE r.status = 'exported' AND l.kind <> 'write_off';
