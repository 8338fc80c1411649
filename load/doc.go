// Package load is the second stage of takt's flow: it writes what connectors
// extracted into the warehouse's raw layer and keeps the run ledger.
//
// Each stream has an append-only table raw.<source>_<stream> whose columns
// are _run_id, _extracted_at and then the stream's Arrow schema; every
// version of every record ever seen is kept. A batch's rows, its stream's
// row count in the ledger and (when the batch carries one) the stream's new
// cursor commit in one transaction, so a crash leaves the state before or
// after a batch, never part of one, and the cursor never runs ahead of the
// data.
//
// Batches enter DuckDB through duckdb-go's Arrow interface (a registered
// Arrow view read by INSERT ... SELECT); see the README for why, with the
// measurements. The package needs the duckdb_arrow build tag.
package load
