-- A controller's acknowledgement of a billing exception, with the reason,
-- and what the exception said when it was acknowledged (amount and
-- records), so that a later change of the finding is visible. A newer
-- acknowledgement of the same exception supersedes an older one; none is
-- ever changed or removed.
CREATE TABLE billing.acknowledgements (
    exception_id  VARCHAR NOT NULL,
    no            INTEGER NOT NULL,
    kind          VARCHAR NOT NULL,
    amount        DECIMAL(18,2) NOT NULL,
    currency      VARCHAR NOT NULL,
    source_ids    VARCHAR NOT NULL,         -- JSON array
    reason        VARCHAR NOT NULL,
    actor         VARCHAR NOT NULL,
    done_at       TIMESTAMPTZ NOT NULL,
    audit_seq     BIGINT NOT NULL,
    PRIMARY KEY (exception_id, no),
    CHECK (length(trim(reason)) > 0)
);
