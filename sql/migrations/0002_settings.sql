-- Company settings the SQL models read (base currency, home country, ...).
-- Written by transform/ from takt.yaml before every model run, so models
-- never depend on values pasted into SQL text.
CREATE TABLE ops.settings (
    key    VARCHAR PRIMARY KEY,
    value  VARCHAR NOT NULL
);

-- Data test results of each run: a failing test blocks nothing silently.
CREATE TABLE ops.data_test_results (
    run_id      BIGINT NOT NULL,
    test        VARCHAR NOT NULL,
    failures    BIGINT NOT NULL,
    sample      VARCHAR,
    checked_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, test)
);
