// Package transform is the third stage of takt's flow: it turns the raw
// snapshots into the staging, core, reconcile and marts layers by running
// the SQL models embedded from sql/models in dependency order, then runs
// the SQL data tests in sql/tests and fails loudly if any returns rows.
//
// Models are plain .sql files, each one CREATE OR REPLACE statement; a
// model depends on every other model whose name (schema.table) it mentions.
// The whole run is one transaction: readers see the layers before or after
// it, never half of it. Company settings the models need (base currency,
// home country, stale age) are written to ops.settings first.
package transform
