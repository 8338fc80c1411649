-- Every stored cursor was written by a run the ledger knows.
SELECT c.source, c.stream, c.run_id
FROM ops.stream_cursors c
LEFT JOIN ops.runs r ON r.run_id = c.run_id
WHERE r.run_id IS NULL;
