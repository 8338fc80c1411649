-- How each stream was extracted in each run. A full refresh reads a stream
-- from scratch; its rows become visible in staging only once it completed
-- (completed_at is set in the transaction of its last batch), so a crash or
-- a failure half-way leaves staging showing the state before it. An
-- incremental sync reads from the committed cursor (cursor_from) less the
-- connector's overlap.
CREATE TABLE ops.stream_syncs (
    run_id        BIGINT NOT NULL,
    source        VARCHAR NOT NULL,
    stream        VARCHAR NOT NULL,
    mode          VARCHAR NOT NULL,        -- full_refresh, incremental
    cursor_from   VARCHAR,
    started_at    TIMESTAMPTZ NOT NULL,
    completed_at  TIMESTAMPTZ,
    PRIMARY KEY (run_id, source, stream),
    CHECK (mode IN ('full_refresh', 'incremental'))
);

-- Records a source no longer has, with the time takt saw them gone:
-- absent from a completed full refresh, or absent from a listing of the
-- stream's ids (Harvest reports no deletions on its own). Append-only;
-- staging shows a record as deleted when a tombstone is newer than its
-- latest version.
CREATE TABLE raw.tombstones (
    _run_id  BIGINT NOT NULL,
    source   VARCHAR NOT NULL,
    stream   VARCHAR NOT NULL,
    id       VARCHAR NOT NULL,
    seen_at  TIMESTAMPTZ NOT NULL,
    reason   VARCHAR NOT NULL,             -- absent_from_full_refresh, absent_from_id_list
    CHECK (reason IN ('absent_from_full_refresh', 'absent_from_id_list'))
);

-- Listings of a stream's ids, to find deleted records: when, how many ids
-- the source listed and how many records that found deleted.
CREATE TABLE ops.id_checks (
    run_id      BIGINT NOT NULL,
    source      VARCHAR NOT NULL,
    stream      VARCHAR NOT NULL,
    checked_at  TIMESTAMPTZ NOT NULL,
    listed      BIGINT NOT NULL,
    deleted     BIGINT NOT NULL,
    PRIMARY KEY (run_id, source, stream)
);

-- Schema drift: fields a source sent that its connector does not know,
-- once per run and stream. The values are in the raw tables' _raw.
CREATE TABLE ops.schema_drift (
    run_id         BIGINT NOT NULL,
    source         VARCHAR NOT NULL,
    stream         VARCHAR NOT NULL,
    field          VARCHAR NOT NULL,
    first_seen_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, source, stream, field)
);

-- The quarantine's life cycle. stage says when a record was refused:
-- 'extract' (its values, while loading) or 'transform' (its references,
-- while building the SQL layers). A reject is open until a later version
-- of the record loads (extract) or passes the check (transform).
ALTER TABLE ops.rejects ADD COLUMN stage VARCHAR DEFAULT 'extract';
ALTER TABLE ops.rejects ADD COLUMN resolved_at TIMESTAMPTZ;
ALTER TABLE ops.rejects ADD COLUMN resolved_run_id BIGINT;
