-- The warehouse's layers, in the order data flows through them.
CREATE SCHEMA IF NOT EXISTS raw;       -- append-only snapshots, one table per source stream (created by load/)
CREATE SCHEMA IF NOT EXISTS staging;   -- typed, renamed, latest version per id
CREATE SCHEMA IF NOT EXISTS core;      -- canonical entities across systems
CREATE SCHEMA IF NOT EXISTS reconcile; -- unbilled work, exceptions
CREATE SCHEMA IF NOT EXISTS marts;     -- KPIs per month

-- Run ledger: one row per pipeline run.
CREATE SEQUENCE ops.run_id_seq START 1;
CREATE TABLE ops.runs (
    run_id      BIGINT PRIMARY KEY,
    trigger     VARCHAR NOT NULL,        -- cli, demo, schedule
    started_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ,
    status      VARCHAR NOT NULL,        -- running, succeeded, partial, failed
    error       VARCHAR,
    CHECK (status IN ('running', 'succeeded', 'partial', 'failed'))
);

-- One row per stream and run: what was loaded and how it ended.
CREATE TABLE ops.run_streams (
    run_id      BIGINT NOT NULL,
    source      VARCHAR NOT NULL,
    stream      VARCHAR NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ,
    status      VARCHAR NOT NULL,        -- running, succeeded, failed
    rows        BIGINT NOT NULL DEFAULT 0,
    pages       BIGINT NOT NULL DEFAULT 0,
    error       VARCHAR,
    PRIMARY KEY (run_id, source, stream),
    CHECK (status IN ('running', 'succeeded', 'failed'))
);

-- The committed cursor of each stream. It advances in the same transaction
-- as the rows it covers.
CREATE TABLE ops.stream_cursors (
    source      VARCHAR NOT NULL,
    stream      VARCHAR NOT NULL,
    cursor      VARCHAR NOT NULL,
    run_id      BIGINT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, stream)
);
