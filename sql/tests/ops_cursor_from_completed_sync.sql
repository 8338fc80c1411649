-- A stored cursor was written by a sync that completed: rows and cursor
-- commit together, so a cursor never runs ahead of the rows the current
-- view shows (a full refresh cut off half-way leaves the cursor before it).
SELECT c.source, c.stream, c.run_id, c.cursor
FROM ops.stream_cursors c
JOIN ops.stream_syncs s ON s.run_id = c.run_id AND s.source = c.source AND s.stream = c.stream
WHERE s.completed_at IS NULL;
