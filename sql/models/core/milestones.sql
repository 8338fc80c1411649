-- Fixed-price milestones with their project and customer. invoiced is
-- true when the milestone names an invoice, or an issued invoice carries
-- the reference MS-<milestone id>.
CREATE OR REPLACE TABLE core.milestones AS
SELECT
    m.milestone_id,
    m.project_code,
    p.project_id,
    p.name                                          AS project_name,
    p.customer_id,
    m.name,
    m.amount,
    m.currency,
    m.due_on,
    m.reached_on,
    m.accepted_on,
    coalesce(m.invoice_number, r.number)            AS invoice_number,
    (m.invoice_number IS NOT NULL OR r.number IS NOT NULL) AS invoiced
FROM staging.files_milestones m
LEFT JOIN core.projects p ON p.project_code = m.project_code
LEFT JOIN (
    SELECT reference, min(number) AS number FROM core.invoices
    WHERE kind = 'invoice' AND issued AND reference LIKE 'MS-%'
    GROUP BY reference
) r ON r.reference = 'MS-' || m.milestone_id;
