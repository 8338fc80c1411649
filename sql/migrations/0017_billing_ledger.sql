-- What takt billed: one row per work item and exported document. An
-- invoice adds the quantity (hours, or 1) it billed, a credit note
-- subtracts what it credits, so an item's open quantity is its current
-- quantity minus the sum here. Rows are written in the same transaction
-- that records a successful export, never before (a write-off proposal
-- closes what it writes off with doc_type write_off); a credit note may
-- credit an item of an invoice only once (primary key).
CREATE TABLE billing.ledger (
    item_key        VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL,
    invoice_id      VARCHAR NOT NULL,
    doc_type        VARCHAR NOT NULL,       -- invoice or credit_note
    invoice_number  VARCHAR NOT NULL,
    quantity        DECIMAL(18,4) NOT NULL, -- negative for credit notes
    amount          DECIMAL(18,4) NOT NULL,
    rate            DECIMAL(18,4),          -- the hourly rate billed, for time
    currency        VARCHAR NOT NULL,
    effective_date  DATE NOT NULL,          -- the document's date
    recorded_at     TIMESTAMPTZ NOT NULL,
    credits_run_id  VARCHAR,                -- credit notes: the invoice credited
    credits_invoice_id VARCHAR,
    PRIMARY KEY (item_key, run_id, invoice_id, doc_type)
);

-- A credit note releases an item of an invoice once.
CREATE TABLE billing.releases (
    item_key            VARCHAR NOT NULL,
    credits_run_id      VARCHAR NOT NULL,
    credits_invoice_id  VARCHAR NOT NULL,
    run_id              VARCHAR NOT NULL,
    invoice_id          VARCHAR NOT NULL,
    PRIMARY KEY (item_key, credits_run_id, credits_invoice_id)
);

-- Invoice numbers takt assigned, one sequence per year; a number is never
-- given twice and one that was assigned but never exported is logged as a
-- gap in the audit trail.
CREATE TABLE billing.numbers (
    invoice_number  VARCHAR PRIMARY KEY,
    year            INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    run_id          VARCHAR NOT NULL,
    invoice_id      VARCHAR NOT NULL,
    assigned_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (year, seq)
);

-- Files and API calls an approved run was exported to.
CREATE TABLE billing.exports (
    run_id       VARCHAR NOT NULL,
    no           INTEGER NOT NULL,
    target       VARCHAR NOT NULL,          -- xero, csv, xlsx
    location     VARCHAR,                   -- file path or API address
    sha256       VARCHAR,                   -- of the file written
    marked_billed BOOLEAN NOT NULL,
    actor        VARCHAR NOT NULL,
    done_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, no)
);
