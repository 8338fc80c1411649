-- What the current view of a source stream holds, shared by the staging
-- models of the API streams.
--
-- Raw tables are append-only: every version of every record ever read,
-- by every run. The current view of a stream is the latest version of each
-- record, where
--   * rows of a full refresh that has not completed (still running, failed
--     or cut off by a crash) are invisible, so the view keeps showing the
--     state before it until the refresh has committed completely;
--   * rows of the latest completed full refresh and of later runs win over
--     older rows of the same record (a refresh replaces what it re-read);
--   * versions re-read by overlapping incremental reads collapse by id and
--     updated_at;
--   * a record with a tombstone newer than its latest read is gone from the
--     source: absent from a completed full refresh, or from a listing of
--     the stream's ids.

-- Runs whose rows of a stream are invisible: full refreshes not completed.
CREATE OR REPLACE TABLE staging.sync_hidden_runs AS
SELECT source, stream, run_id
FROM ops.stream_syncs
WHERE mode = 'full_refresh' AND completed_at IS NULL;

-- The latest completed full refresh of each stream.
CREATE OR REPLACE TABLE staging.sync_generations AS
SELECT source, stream, max(run_id) AS run_id
FROM ops.stream_syncs
WHERE mode = 'full_refresh' AND completed_at IS NOT NULL
GROUP BY source, stream;

-- staging.sync_generation('harvest', 'time_entries'): the run of the
-- stream's latest completed full refresh, 0 if it never had one.
CREATE OR REPLACE MACRO staging.sync_generation(src, strm) AS (
    SELECT coalesce(max(run_id), 0) FROM staging.sync_generations WHERE source = src AND stream = strm
);

-- The latest tombstone of each record.
CREATE OR REPLACE TABLE staging.tombstones AS
SELECT source, stream, id, max(seen_at) AS seen_at, arg_max(reason, seen_at) AS reason
FROM raw.tombstones
GROUP BY source, stream, id;

-- staging.current_versions('harvest', 'time_entries', since_run): the
-- latest version of every record of raw.harvest_time_entries in the current
-- view that has a row of a run after since_run (-1: every record), all its
-- columns and
--   _first_seen  when takt first read this version,
--   _last_seen   when takt last read the record,
--   _deleted_at  when takt saw the record gone from the source (a
--                tombstone newer than _last_seen), else NULL,
--   _deleted_how how: absent_from_full_refresh or absent_from_id_list.
-- The raw table's name is made of the first two arguments, which the
-- staging models give as constants. since_run lets the models of the
-- current view (staging/current_*.sql) bring a table up to date with the
-- records read since its last build: a record's latest version depends on
-- its own rows only.
CREATE OR REPLACE MACRO staging.current_versions(src, strm, since_run) AS TABLE
WITH visible AS (
    SELECT r.*,
           min(r._extracted_at) OVER (PARTITION BY r.id, r.updated_at) AS _first_seen,
           max(r._extracted_at) OVER (PARTITION BY r.id) AS _last_seen
    FROM query_table('raw.' || src || '_' || strm) r
    WHERE r._run_id NOT IN (SELECT h.run_id FROM staging.sync_hidden_runs h WHERE h.source = src AND h.stream = strm)
      AND (since_run < 0 OR r.id IN (SELECT c.id FROM query_table('raw.' || src || '_' || strm) c WHERE c._run_id > since_run))
    QUALIFY row_number() OVER (
        PARTITION BY r.id
        ORDER BY r._run_id >= staging.sync_generation(src, strm) DESC, r.updated_at DESC, r._run_id DESC, r._extracted_at DESC
    ) = 1
)
SELECT v.*, t.seen_at AS _deleted_at, t.reason AS _deleted_how
FROM visible v
LEFT JOIN staging.tombstones t
       ON t.source = src AND t.stream = strm AND t.id = v.id AND t.seen_at > v._last_seen;
