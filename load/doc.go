// Package load is the second stage of takt's flow: it writes what connectors
// extracted into the warehouse's raw layer and keeps the run ledger.
//
// Each stream has an append-only table raw.<source>_<stream> whose columns
// are _run_id, _extracted_at and then the stream's Arrow schema; every
// version of every record ever seen is kept. A batch's rows, its rejects
// (ops.rejects), the field names it reported as schema drift
// (ops.schema_drift), its stream's counters in the ledger and (when the
// batch carries one) the stream's new cursor commit in one transaction, so
// a crash leaves the state before or after a batch, never part of one, and
// the cursor never runs ahead of the data.
//
// A run extracts a stream in one of two sync modes (ops.stream_syncs): a
// full refresh reads it from scratch, an incremental sync from its cursor.
// The transaction of a sync's last batch completes it; the staging layer
// never shows the rows of a full refresh that has not completed, so a full
// refresh swaps in only once it succeeded. A completed full refresh, and a
// complete listing of a stream's ids (ReconcileIDs), leave tombstones
// (raw.tombstones) for the records of the current view the source no
// longer has: deletions are data, with the time takt saw them.
//
// Batches enter DuckDB through duckdb-go's Arrow interface (a registered
// Arrow view read by INSERT ... SELECT). The pipeline gathers pages into
// transactions of at least a DuckDB row group, which DuckDB writes straight
// into the file instead of through its write-ahead log, and AppendBatches
// joins small pages into bigger Arrow batches; see the README for the
// measurements. The package needs the duckdb_arrow build tag.
package load
