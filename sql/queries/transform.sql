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

-- name: build_states
SELECT name, input_key, inputs, coalesce(output_key, ''), coalesce(failures, 0), coalesce(sample, '')
FROM ops.build_state;

-- name: put_build_states
-- The rows follow as a VALUES list.
INSERT OR REPLACE INTO ops.build_state (name, input_key, inputs, output_key, failures, sample, run_id, built_at) VALUES 

-- name: warehouse_objects
SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = current_database()
UNION ALL
SELECT schema_name || '.' || view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
UNION ALL
SELECT schema_name || '.' || function_name FROM duckdb_functions()
WHERE database_name = current_database() AND function_type IN ('macro', 'table_macro') AND NOT internal;

-- name: set_delta_since
-- The run up to which the last build of a model read its raw tables: the
-- delta section of a model reads the rows after it as
-- getvariable('takt_since').
SET VARIABLE takt_since = $1;

-- name: build_table_columns
-- The columns of table $1.$2, with their types.
SELECT coalesce(string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index), '')
FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = $1 AND table_name = $2;

-- name: build_external_columns
SELECT schema_name || '.' || table_name, string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index)
FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name IN ('raw', 'ops', 'billing', 'audit', 'incident')
GROUP BY ALL;
