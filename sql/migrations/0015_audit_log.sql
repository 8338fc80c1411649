-- The audit trail: every change to a billing run, a line, an
-- acknowledgement or a pinned identity appends one record. Records are
-- chained: hash = sha256 over the previous record's hash and this record's
-- fields (internal/audit documents the exact encoding), so `takt audit
-- verify` can name the first record that was altered, removed or
-- reordered. takt only ever INSERTs here (internal/audit has no other
-- statement for this table); DuckDB has no triggers to forbid UPDATE or
-- DELETE by other means, which is why the chain is verified, not trusted.
CREATE SCHEMA IF NOT EXISTS audit;

CREATE TABLE audit.log (
    seq        BIGINT PRIMARY KEY,      -- 1, 2, 3, ... without gaps
    ts         TIMESTAMPTZ NOT NULL,    -- UTC, microseconds
    actor      VARCHAR NOT NULL,
    action     VARCHAR NOT NULL,        -- e.g. run_created, line_edited, run_approved
    entity     VARCHAR NOT NULL,        -- billing_run, billing_line, acknowledgement, identity, ...
    entity_id  VARCHAR NOT NULL,
    before     VARCHAR,                 -- JSON of the state before, NULL for a creation
    after      VARCHAR,                 -- JSON of the state after, NULL for a removal
    reason     VARCHAR,
    prev_hash  VARCHAR NOT NULL,        -- hash of record seq-1; 64 zeros for the first
    hash       VARCHAR NOT NULL,
    CHECK (seq >= 1),
    CHECK (length(actor) > 0)
);
