-- Unbilled items have an accepted kind, an amount and a currency.
SELECT kind, source_id FROM reconcile.unbilled_work
WHERE kind NOT IN ('time', 'expense', 'milestone') OR amount IS NULL OR currency IS NULL;
