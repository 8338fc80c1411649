package extract

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Column names every stream schema carries. load/ adds _run_id and
// _extracted_at in front of them when it writes the raw table.
const (
	// ColID is the record's id in its source system, as a string (HubSpot and
	// Xero ids do not fit or are not integers).
	ColID = "id"
	// ColUpdatedAt is the record's last-modified time in its source system
	// (UTC). Versions of a record are ordered by it.
	ColUpdatedAt = "updated_at"
	// ColRaw is the record exactly as the source sent it (JSON text), so that
	// fields takt does not map yet are kept, never dropped.
	ColRaw = "_raw"
)

// Stream describes one kind of record a connector extracts, e.g. Harvest
// time_entries. Its Schema is declared once; a column's type never depends on
// the payload.
type Stream struct {
	// Name is the stream's name within its source, lower snake case
	// ("time_entries"). The raw table is raw.<source>_<name>.
	Name string
	// Schema is the Arrow schema of every batch of the stream. It starts with
	// the columns id, updated_at and ends with _raw.
	Schema *arrow.Schema
	// Incremental is true when the stream honours a cursor (an updated-since
	// filter); false streams are read in full on every run.
	Incremental bool
}

// Batch is one page (or part of a page) of a stream's records.
type Batch struct {
	// Record holds the rows; its schema is the stream's Schema. The receiver
	// of an Emit call owns it for the duration of the call only.
	Record arrow.RecordBatch
	// Cursor, when not empty, is the value to store as the stream's cursor
	// in the same transaction that stores Record's rows. Connectors set it
	// only where storing it cannot skip records on a resumed run (in
	// practice: on the last batch of a stream).
	Cursor string
	// Pages is the number of API pages (or files) this batch came from.
	Pages int
	// Rejects are records of the same pages that failed validation. They
	// are stored in the quarantine (ops.rejects) in the same transaction as
	// Record, so nothing is dropped without a trace; once the record is
	// fixed in the source, its new version arrives on a later run.
	Rejects []Reject
	// UnknownFields are the names of fields the records of this batch
	// carry that the connector does not know (schema drift), sorted. The
	// values are kept in _raw; load/ records the names once per run.
	UnknownFields []string
}

// Reject is a record that failed validation, with what a controller needs
// to fix it.
type Reject struct {
	// RecordID is the record's id in the source, or "" if it has none.
	RecordID string
	// Rule names the check that failed, lower snake case:
	// missing_id, unparsable_date, unparsable_amount, unknown_currency,
	// negative_hours, type_changed, ...
	Rule string
	// Field is the field that failed, as the source names it.
	Field string
	// Message says what is wrong and what to do, in plain words.
	Message string
	// Payload is the record as the source sent it (JSON, or the row of a
	// file as a JSON object).
	Payload string
}

// Emit receives batches from a connector. An error stops the extraction and
// is returned by Extract unchanged.
type Emit func(ctx context.Context, b Batch) error

// ValidateSchema checks the shape every stream schema must have: id and
// updated_at first, _raw last, unique column names. It is used by the
// connector conformance suite and by load/ before creating a raw table.
func ValidateSchema(s *arrow.Schema) error {
	fields := s.Fields()
	if len(fields) < 3 {
		return fmt.Errorf("schema has %d columns, want at least id, updated_at and _raw", len(fields))
	}
	if fields[0].Name != ColID || fields[0].Type.ID() != arrow.STRING {
		return fmt.Errorf("first column is %s %s, want id string", fields[0].Name, fields[0].Type)
	}
	if fields[1].Name != ColUpdatedAt || fields[1].Type.ID() != arrow.TIMESTAMP {
		return fmt.Errorf("second column is %s %s, want updated_at timestamp", fields[1].Name, fields[1].Type)
	}
	last := fields[len(fields)-1]
	if last.Name != ColRaw || last.Type.ID() != arrow.STRING {
		return fmt.Errorf("last column is %s %s, want _raw string", last.Name, last.Type)
	}
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f.Name] {
			return fmt.Errorf("column %s appears twice", f.Name)
		}
		seen[f.Name] = true
	}
	return nil
}

// Connector is a source system as load/ and the pipeline see it.
type Connector interface {
	// Name is the source's name, e.g. "harvest"; raw tables are named
	// raw.<name>_<stream>.
	Name() string
	// Streams lists the streams in extraction order.
	Streams() []Stream
	// Extract reads one stream, starting after cursor ("" means from the
	// beginning), and passes its records to emit in batches. The batch that
	// carries the stream's next cursor is emitted last.
	Extract(ctx context.Context, stream, cursor string, emit Emit) error
}

// Defaults fills in the settings every connector shares: the logger (nil
// discards), the overlap before the cursor (0 is def; a negative one,
// such as a connector's NoOverlap, is none) and the Arrow allocator (nil is
// Go's).
func Defaults(logger *slog.Logger, overlap, def time.Duration, mem memory.Allocator) (*slog.Logger, time.Duration, memory.Allocator) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case overlap == 0:
		overlap = def
	case overlap < 0:
		overlap = 0
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return logger, overlap, mem
}
