-- A document the accounting system refused when a run was exported, and
-- why. The refusal is kept, and an invoice's number of refusals is part
-- of the idempotency key its next attempt goes with (reconcile.batchKey):
-- the system answers a key it has seen with the answer it gave then, so
-- a document sent again once the cause is removed needs a new key, while
-- a request whose answer was lost is sent again with the same one. Never
-- changed or removed.
CREATE TABLE billing.refusals (
    run_id      VARCHAR NOT NULL,
    invoice_id  VARCHAR NOT NULL,
    no          INTEGER NOT NULL,           -- 1 for the invoice's first refusal
    reason      VARCHAR NOT NULL,
    actor       VARCHAR NOT NULL,
    refused_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, invoice_id, no)
);
