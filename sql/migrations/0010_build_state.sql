-- What the last build of each SQL model and data test saw, so that a run
-- rebuilds only what its inputs changed (transform/build.go).
--   input_key   a hash of the model's (or test's) SQL, the output keys of
--               the models it reads and the fingerprints of the tables
--               outside the models it reads (raw, ops, billing);
--   inputs      what input_key hashes, as a JSON object: a model whose
--               only changed inputs are raw tables that grew can be
--               brought up to date from their new rows;
--   output_key  models: a hash of what the build produced (its tables'
--               rows, or for views and macros what they read), so a model
--               rebuilt to the same rows leaves its readers alone;
--   failures, sample  data tests: the result for input_key.
-- Model rows are written in the transaction that builds the models, so
-- they never claim a build that did not commit.
CREATE TABLE ops.build_state (
    name        VARCHAR PRIMARY KEY,     -- core.customers, or test:core_customers_unique
    input_key   VARCHAR NOT NULL,
    inputs      VARCHAR NOT NULL,
    output_key  VARCHAR,
    failures    BIGINT,
    sample      VARCHAR,
    run_id      BIGINT NOT NULL,
    built_at    TIMESTAMPTZ NOT NULL
);
