-- Draft billing runs: a run holds one draft invoice per customer and
-- currency (or, for a correction run, credit notes and their
-- replacements), each with its lines and the work items every line bills.
-- Written only by reconcile/ in explicit transactions; a run moves
-- draft -> approved -> exported, or to discarded. Lines of a draft can be
-- adjusted (with a reason, kept in billing.adjustments); an approved run
-- loses its approval on any edit; an exported run is never changed (the
-- content hash recorded in the audit log at export lets `takt audit
-- verify` prove it).
CREATE SCHEMA IF NOT EXISTS billing;

CREATE TABLE billing.runs (
    run_id        VARCHAR PRIMARY KEY,      -- BR-2026-03-01: period and its run number
    kind          VARCHAR NOT NULL,         -- invoice or correction
    period        VARCHAR NOT NULL,         -- YYYY-MM
    period_end    DATE NOT NULL,
    invoice_date  DATE NOT NULL,
    status        VARCHAR NOT NULL,
    created_by    VARCHAR NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    approved_by   VARCHAR,
    approved_at   TIMESTAMPTZ,
    exported_at   TIMESTAMPTZ,
    export_target VARCHAR,                  -- xero, csv or xlsx
    discarded_by  VARCHAR,
    discarded_at  TIMESTAMPTZ,
    inputs_hash   VARCHAR NOT NULL,         -- sha256 of the work and settings the run was built from
    content_hash  VARCHAR,                  -- sha256 of invoices and lines, set at export
    reason        VARCHAR,                  -- why a correction run was made
    CHECK (kind IN ('invoice', 'correction')),
    CHECK (status IN ('draft', 'approved', 'exported', 'discarded'))
);

CREATE TABLE billing.invoices (
    run_id             VARCHAR NOT NULL,
    invoice_id         VARCHAR NOT NULL,    -- hash of customer, currency, period and items: same inputs, same id
    position           INTEGER NOT NULL,
    doc_type           VARCHAR NOT NULL,    -- invoice or credit_note
    customer_id        VARCHAR NOT NULL,
    customer           VARCHAR NOT NULL,
    country            VARCHAR,
    vat_id             VARCHAR,
    xero_contact_id    VARCHAR,
    currency           VARCHAR NOT NULL,
    vat_case           VARCHAR NOT NULL,    -- domestic, reverse_charge, non_eu
    net                DECIMAL(18,2) NOT NULL,
    tax                DECIMAL(18,2) NOT NULL,
    gross              DECIMAL(18,2) NOT NULL,
    tax_breakdown      VARCHAR NOT NULL,    -- JSON [{rate, base, tax}], one per VAT rate
    payment_days       INTEGER NOT NULL,
    due_date           DATE NOT NULL,
    skonto_percent     DECIMAL(5,2),
    skonto_days        INTEGER,
    skonto_date        DATE,
    skonto_amount      DECIMAL(18,2),
    notes              VARCHAR NOT NULL,    -- JSON array of the texts printed on the invoice
    fx_rate            DECIMAL(18,6),       -- units of currency per unit of base currency
    fx_date            DATE,
    fx_source          VARCHAR,             -- base, fx_rates or xero
    base_currency      VARCHAR NOT NULL,
    base_net           DECIMAL(18,2),
    base_tax           DECIMAL(18,2),
    base_gross         DECIMAL(18,2),
    corrects_run_id    VARCHAR,             -- credit notes: the invoice they correct
    corrects_invoice_id VARCHAR,
    corrects_number    VARCHAR,
    corrects_date      DATE,
    invoice_number     VARCHAR,             -- assigned when the export starts
    idempotency_key    VARCHAR,             -- persisted before the first export attempt
    export_payload_hash VARCHAR,
    xero_invoice_id    VARCHAR,
    exported_at        TIMESTAMPTZ,
    PRIMARY KEY (run_id, invoice_id),
    CHECK (doc_type IN ('invoice', 'credit_note')),
    CHECK (vat_case IN ('domestic', 'reverse_charge', 'non_eu'))
);

CREATE TABLE billing.lines (
    run_id           VARCHAR NOT NULL,
    invoice_id       VARCHAR NOT NULL,
    line_id          VARCHAR NOT NULL,
    position         INTEGER NOT NULL,
    kind             VARCHAR NOT NULL,      -- time, expense, milestone, change_request, write_off
    project_code     VARCHAR,
    project          VARCHAR,
    task             VARCHAR,
    description      VARCHAR NOT NULL,
    hours            DECIMAL(18,4),
    rate             DECIMAL(18,4),
    amount           DECIMAL(18,2) NOT NULL, -- rounded to cents, half away from zero
    tax_rate         DECIMAL(5,2) NOT NULL,
    manually_changed BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (run_id, line_id),
    CHECK (kind IN ('time', 'expense', 'milestone', 'change_request', 'write_off'))
);

-- The work each line bills (or writes off, or credits): an item key is
-- "<kind>:<source id>" (time:123, expense:9, milestone:1004,
-- change_request:CR-007); quantity is hours for time and 1 otherwise.
CREATE TABLE billing.line_items (
    run_id     VARCHAR NOT NULL,
    line_id    VARCHAR NOT NULL,
    item_key   VARCHAR NOT NULL,
    quantity   DECIMAL(18,4) NOT NULL,
    amount     DECIMAL(18,4) NOT NULL       -- unrounded share of the line
);

-- A work item belongs to at most one open (draft or approved) run: the
-- primary key makes the database refuse a second claim, also when two runs
-- are created at the same time. Claims are inserted in the transaction
-- that creates the run and deleted when the run is discarded or exported.
CREATE TABLE billing.claims (
    item_key   VARCHAR PRIMARY KEY,
    run_id     VARCHAR NOT NULL
);

-- Manual adjustments of a draft, each with its reason: edit_line (hours,
-- rate, amount or description), move_item (to a later run), write_off.
CREATE TABLE billing.adjustments (
    run_id      VARCHAR NOT NULL,
    no          INTEGER NOT NULL,
    kind        VARCHAR NOT NULL,
    line_id     VARCHAR,
    item_key    VARCHAR,
    before      VARCHAR,
    after       VARCHAR,
    reason      VARCHAR NOT NULL,
    actor       VARCHAR NOT NULL,
    done_at     TIMESTAMPTZ NOT NULL,
    audit_seq   BIGINT NOT NULL,
    PRIMARY KEY (run_id, no),
    CHECK (kind IN ('edit_line', 'move_item', 'write_off')),
    CHECK (length(trim(reason)) > 0)
);

-- Items moved out of a draft to a later run: not billable before that
-- period starts.
CREATE TABLE billing.deferrals (
    item_key     VARCHAR NOT NULL,
    run_id       VARCHAR NOT NULL,
    not_before   VARCHAR NOT NULL,          -- YYYY-MM: the first period that may bill it
    PRIMARY KEY (item_key, run_id)
);
