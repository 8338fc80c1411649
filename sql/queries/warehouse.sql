-- name: bootstrap_ops
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        VARCHAR NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL
);

-- name: applied_migrations
SELECT version, name FROM ops.schema_migrations ORDER BY version;

-- name: record_migration
INSERT INTO ops.schema_migrations (version, name, applied_at) VALUES ($1, $2, $3);
