-- Change requests with their project and customer. An approved request
-- raises its project's budget (extra_hours and/or extra_amount) from the
-- day it was approved; on a fixed-price project its extra_amount is billed
-- as a line of its own. invoice_number is the issued invoice that carries
-- the request's id as its reference (as milestones carry MS-<id>).
CREATE OR REPLACE TABLE core.change_requests AS
SELECT
    cr.change_request_id,
    cr.project_code,
    p.project_id,
    p.name                                          AS project_name,
    p.customer_id,
    p.billing_model,
    cr.title,
    cr.status,
    cr.status = 'approved' AND cr.approved_on IS NOT NULL AS approved,
    cr.approved_on,
    cr.extra_hours,
    cr.extra_amount,
    coalesce(cr.currency, p.currency)               AS currency,
    r.number                                        AS invoice_number
FROM staging.files_change_requests cr
LEFT JOIN core.projects p ON p.project_code = cr.project_code
LEFT JOIN (
    SELECT reference, min(number) AS number FROM core.invoices
    WHERE kind = 'invoice' AND issued AND reference IS NOT NULL
    GROUP BY reference
) r ON r.reference = cr.change_request_id;
