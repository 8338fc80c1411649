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

-- name: put_build_state
INSERT OR REPLACE INTO ops.build_state (name, input_key, inputs, output_key, failures, sample, run_id, built_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: build_raw_fingerprint
-- A raw table's rows and the latest run that wrote one (-1: none).
SELECT count(*), coalesce(max(_run_id), -1) FROM {table};

-- name: build_rows_up_to_run
SELECT count(*) FROM {table} WHERE _run_id <= $1;

-- name: build_row_count
SELECT count(*) FROM {table};

-- name: build_rows_hash
-- The row count and the sum of the rows' hashes: it changes when any row
-- does, whatever the order of the rows.
SELECT count(*)::VARCHAR, coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR FROM {table} t;

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

-- name: build_columns
-- The columns of the tables of schemas $1 and of tables $2 (schema.name),
-- with their types, a line per table.
SELECT schema_name || '.' || table_name, string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index)
FROM duckdb_columns()
WHERE database_name = current_database()
  AND (schema_name IN (SELECT unnest($1::VARCHAR[])) OR schema_name || '.' || table_name IN (SELECT unnest($2::VARCHAR[])))
GROUP BY ALL;
