-- Every dunning notice chases an invoice the books know.
SELECT notice_id, invoice_number FROM core.dunning_notices WHERE invoice_id IS NULL;
