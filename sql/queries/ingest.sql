-- Queries of load/ and the pipeline for syncs, deletions, schema drift and
-- the quarantine. {table} stands for a raw table's name (raw.<source>_<stream>),
-- which load/ fills in from its fixed stream registry; {listed} for the
-- temporary table of listed ids.

-- name: ingest_begin_sync
INSERT INTO ops.stream_syncs (run_id, source, stream, mode, cursor_from, started_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: ingest_complete_sync
UPDATE ops.stream_syncs SET completed_at = $4
WHERE run_id = $1 AND source = $2 AND stream = $3 AND completed_at IS NULL;

-- name: ingest_count_rows_of_run
-- Rows of run $1, and whether other runs loaded any.
SELECT count(*) FILTER (WHERE _run_id = $1), count(*) FILTER (WHERE _run_id <> $1) > 0 FROM {table};

-- name: ingest_tombstone_absent
-- Records in the stream's current view (rows of every run but this one and
-- those of unfinished full refreshes, not already tombstoned since their
-- latest version) that the completed full refresh of run $1 did not bring.
INSERT INTO raw.tombstones (_run_id, source, stream, id, seen_at, reason)
WITH prev AS (
    SELECT id, max(_extracted_at) AS last_seen
    FROM {table}
    WHERE _run_id <> $1
      AND _run_id NOT IN (SELECT run_id FROM ops.stream_syncs
                          WHERE source = $2 AND stream = $3 AND mode = 'full_refresh' AND completed_at IS NULL)
    GROUP BY id
),
gone AS (
    SELECT id, max(seen_at) AS seen_at FROM raw.tombstones WHERE source = $2 AND stream = $3 GROUP BY id
)
SELECT $1, $2, $3, prev.id, $4, 'absent_from_full_refresh'
FROM prev LEFT JOIN gone USING (id)
WHERE (gone.seen_at IS NULL OR gone.seen_at < prev.last_seen)
  AND prev.id NOT IN (SELECT id FROM {table} WHERE _run_id = $1);

-- name: ingest_tombstone_unlisted
-- Records in the stream's current view that a complete listing of its ids
-- ({listed}) no longer holds.
INSERT INTO raw.tombstones (_run_id, source, stream, id, seen_at, reason)
WITH prev AS (
    SELECT id, max(_extracted_at) AS last_seen
    FROM {table}
    WHERE _run_id NOT IN (SELECT run_id FROM ops.stream_syncs
                          WHERE source = $2 AND stream = $3 AND mode = 'full_refresh' AND completed_at IS NULL)
    GROUP BY id
),
gone AS (
    SELECT id, max(seen_at) AS seen_at FROM raw.tombstones WHERE source = $2 AND stream = $3 GROUP BY id
)
SELECT $1, $2, $3, prev.id, $4, 'absent_from_id_list'
FROM prev LEFT JOIN gone USING (id)
WHERE (gone.seen_at IS NULL OR gone.seen_at < prev.last_seen)
  AND prev.id NOT IN (SELECT id FROM {listed});

-- name: ingest_record_id_check
INSERT INTO ops.id_checks (run_id, source, stream, checked_at, listed, deleted) VALUES ($1, $2, $3, $4, $5, $6);

-- name: ingest_runs_since_id_check
-- How many runs extracted the stream since its last id listing (all of
-- them when it never had one).
SELECT count(DISTINCT s.run_id)
FROM ops.stream_syncs s
WHERE s.source = $1 AND s.stream = $2
  AND s.run_id > coalesce((SELECT max(run_id) FROM ops.id_checks WHERE source = $1 AND stream = $2), 0);

-- name: ingest_put_drift
INSERT INTO ops.schema_drift (run_id, source, stream, field, first_seen_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING;

-- name: ingest_open_rejects
SELECT DISTINCT record_id FROM ops.rejects
WHERE source = $1 AND stream = $2 AND stage = 'extract' AND resolved_at IS NULL AND record_id IS NOT NULL;

-- name: ingest_resolve_rejects
-- Rejects of records a batch has now loaded a valid version of ($5, a list
-- of ids).
UPDATE ops.rejects SET resolved_at = $4, resolved_run_id = $1
WHERE source = $2 AND stream = $3 AND stage = 'extract' AND resolved_at IS NULL
  AND list_contains($5, record_id);

-- name: ingest_quarantine_references
-- Records the SQL layers keep out of the current view for what they point
-- to (staging.reference_rejects), filed once while they stay refused.
INSERT INTO ops.rejects (run_id, source, stream, record_id, rule, field, message, payload, rejected_at, stage)
SELECT $1, r.source, r.stream, r.record_id, r.rule, r.field, r.message, r.payload, $2, 'transform'
FROM staging.reference_rejects r
WHERE NOT EXISTS (
    SELECT 1 FROM ops.rejects o
    WHERE o.stage = 'transform' AND o.resolved_at IS NULL
      AND o.source = r.source AND o.stream = r.stream AND o.record_id = r.record_id AND o.rule = r.rule
);

-- name: ingest_resolve_references
-- Reference rejects whose record now passes (or is gone).
UPDATE ops.rejects SET resolved_at = $2, resolved_run_id = $1
WHERE stage = 'transform' AND resolved_at IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM staging.reference_rejects r
    WHERE r.source = ops.rejects.source AND r.stream = ops.rejects.stream
      AND r.record_id = ops.rejects.record_id AND r.rule = ops.rejects.rule
);

-- name: ingest_list_rejects
-- The quarantine as `takt rejects` lists it: the rejects of run $1, or,
-- when $1 is NULL, those of the latest run and every one still open.
SELECT r.run_id, r.source, r.stream, coalesce(r.record_id, ''), r.rule, coalesce(r.field, ''), r.message,
       coalesce(r.payload, ''), r.rejected_at, coalesce(r.stage, 'extract'), r.resolved_at, r.resolved_run_id
FROM ops.rejects r
WHERE ($1::BIGINT IS NULL AND (r.run_id = (SELECT max(run_id) FROM ops.runs) OR r.resolved_at IS NULL))
   OR r.run_id = $1
ORDER BY r.run_id, r.source, r.stream, r.rule, r.record_id;

-- name: ingest_latest_run
SELECT coalesce(max(run_id), 0) FROM ops.runs;

-- name: ingest_known_versions
-- Versions the raw table holds of the records $2 (a list of ids), updated
-- at or after $1: to find records an overlapping read got again.
SELECT DISTINCT id, updated_at, _raw FROM {table}
WHERE updated_at >= $1 AND list_contains($2, id);

-- name: ingest_schema_columns
SELECT table_name, column_name, data_type
FROM information_schema.columns
WHERE table_schema = $1
ORDER BY table_name, ordinal_position;
