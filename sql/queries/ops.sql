-- Queries of the service, the scheduler and the recovery of interrupted runs.

-- name: ops_running_runs
SELECT run_id FROM ops.runs WHERE status = 'running' ORDER BY run_id;

-- name: ops_close_interrupted_run
UPDATE ops.runs SET status = 'failed', ended_at = $2, error = $3
WHERE run_id = $1 AND status = 'running';

-- name: ops_close_interrupted_streams
UPDATE ops.run_streams SET status = 'failed', ended_at = $2, error = $3
WHERE run_id = $1 AND status = 'running';

-- name: ops_last_run_by_source
-- When each source was last run, whatever the run's outcome: the scheduler
-- compares it with the schedule to find runs missed while takt was down.
SELECT s.source, max(r.started_at) AS started_at
FROM ops.run_streams s
JOIN ops.runs r USING (run_id)
GROUP BY s.source
ORDER BY s.source;

-- name: ops_get_setting
SELECT value FROM ops.settings WHERE key = $1;

-- name: ops_recent_runs
SELECT run_id, trigger, started_at, ended_at, status, coalesce(error, '')
FROM ops.runs
ORDER BY run_id DESC
LIMIT $1;

-- name: ops_last_full_refresh_by_source
-- When each source was last read from scratch: its last full refresh, or
-- else its first run (which read everything).
SELECT source, coalesce(max(started_at) FILTER (WHERE mode = 'full_refresh'), min(started_at)) AS started_at
FROM ops.stream_syncs
GROUP BY source
ORDER BY source;
