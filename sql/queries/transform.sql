-- name: put_setting
INSERT INTO ops.settings (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value;

-- name: record_data_test
INSERT INTO ops.data_test_results (run_id, test, failures, sample, checked_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (run_id, test) DO UPDATE
SET failures = excluded.failures, sample = excluded.sample, checked_at = excluded.checked_at;
