-- Work the quarantine holds for what it points to is not in the current
-- view.
SELECT r.stream, r.record_id, r.rule
FROM staging.reference_rejects r
WHERE (r.stream = 'time_entries' AND r.record_id IN (SELECT entry_id FROM staging.harvest_time_entries))
   OR (r.stream = 'expenses' AND r.record_id IN (SELECT expense_id FROM staging.harvest_expenses));
