-- name: next_run_id
SELECT nextval('ops.run_id_seq');

-- name: start_run
INSERT INTO ops.runs (run_id, trigger, started_at, status) VALUES ($1, $2, $3, 'running');

-- name: finish_run
UPDATE ops.runs SET ended_at = $2, status = $3, error = $4 WHERE run_id = $1;

-- name: start_stream
INSERT INTO ops.run_streams (run_id, source, stream, started_at, status) VALUES ($1, $2, $3, $4, 'running');

-- name: add_stream_rows
UPDATE ops.run_streams SET rows = rows + $4, pages = pages + $5
WHERE run_id = $1 AND source = $2 AND stream = $3;

-- name: finish_stream
UPDATE ops.run_streams SET ended_at = $4, status = $5, error = $6
WHERE run_id = $1 AND source = $2 AND stream = $3;

-- name: get_cursor
SELECT cursor FROM ops.stream_cursors WHERE source = $1 AND stream = $2;

-- name: put_cursor
INSERT INTO ops.stream_cursors (source, stream, cursor, run_id, updated_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (source, stream) DO UPDATE
SET cursor = excluded.cursor, run_id = excluded.run_id, updated_at = excluded.updated_at;

-- name: run_summary
SELECT source, stream, status, rows, pages, coalesce(error, '')
FROM ops.run_streams WHERE run_id = $1 ORDER BY source, stream;

-- name: put_reject
INSERT INTO ops.rejects (run_id, source, stream, record_id, rule, field, message, payload, rejected_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);
