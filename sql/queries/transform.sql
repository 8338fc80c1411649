-- name: put_setting
INSERT INTO ops.settings (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value;

-- name: record_data_test
INSERT INTO ops.data_test_results (run_id, test, failures, sample, checked_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (run_id, test) DO UPDATE
SET failures = excluded.failures, sample = excluded.sample, checked_at = excluded.checked_at;

-- name: clear_identity_rules
DELETE FROM ops.identity_rules;

-- name: put_identity_rule
INSERT INTO ops.identity_rules (kind, rule_no, relation, system, source_id, reason)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: list_identity_rules
SELECT kind, rule_no, relation, system, source_id, reason
FROM ops.identity_rules
ORDER BY kind, rule_no, system;
