-- The quarantine: records that failed validation, with the rule, the field
-- and a message a controller can act on. Append-only; a later version of
-- the record that passes simply loads.
CREATE TABLE ops.rejects (
    run_id       BIGINT NOT NULL,
    source       VARCHAR NOT NULL,
    stream       VARCHAR NOT NULL,
    record_id    VARCHAR,
    rule         VARCHAR NOT NULL,
    field        VARCHAR,
    message      VARCHAR NOT NULL,
    payload      VARCHAR,
    rejected_at  TIMESTAMPTZ NOT NULL
);
