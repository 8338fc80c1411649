//go:build duckdb_arrow

package load

import (
	"context"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/takt-billing/takt/extract"
)

// RowGroupRows is the number of rows of a DuckDB row group. A transaction
// that appends whole row groups has DuckDB write them straight into the
// warehouse file; the rows of a partly filled one go through the
// write-ahead log and are written again at the next checkpoint.
const RowGroupRows = 122_880

// DefaultCoalesceRows is how many rows a Coalescer gathers before it
// writes: one row group.
const DefaultCoalesceRows = RowGroupRows

// Coalescer gathers the batches of one stream's extraction and writes them
// with AppendBatches in transactions of whole row groups, instead of one
// transaction per API page (100 to 2,000 records): measured in
// bench_test.go, that is what makes the Arrow path fast. The batch that
// carries the cursor is written at once with everything gathered, so the
// rows and the cursor still commit together; what is gathered when an
// extraction fails is dropped (Release) and read again by the next run from
// the unchanged cursor.
type Coalescer struct {
	Loader         *Loader
	RunID          int64
	Source, Stream string
	// MinRows is how many rows are gathered before a write; 0 means
	// DefaultCoalesceRows. Writes are cut at a multiple of RowGroupRows
	// when MinRows is at least one row group; the rest waits for the next.
	MinRows int64
	// Loaded, if set, is told about every write: rows and API pages.
	Loaded func(rows int64, pages int)

	pending []extract.Batch
	rows    int64
}

// Emit takes one batch of the extraction; it has the signature of an
// extract.Emit.
func (c *Coalescer) Emit(ctx context.Context, b extract.Batch) error {
	if b.Record != nil {
		// The connector owns the record only for the call.
		b.Record.Retain()
		c.rows += b.Record.NumRows()
	}
	c.pending = append(c.pending, b)
	if err := c.merge(); err != nil {
		return err
	}
	min := c.MinRows
	if min <= 0 {
		min = DefaultCoalesceRows
	}
	switch {
	case b.Cursor != "":
		return c.Flush(ctx)
	case c.rows >= min:
		return c.write(ctx, c.rows/RowGroupRows*RowGroupRows)
	}
	return nil
}

// Flush writes everything gathered.
func (c *Coalescer) Flush(ctx context.Context) error { return c.write(ctx, c.rows) }

// write writes the first n rows gathered (all of them when n is 0 or more
// than there are) with the batches they came in; a batch cut in two keeps
// its rejects, unknown fields and pages with its first part.
func (c *Coalescer) write(ctx context.Context, n int64) error {
	if len(c.pending) == 0 {
		return nil
	}
	if n <= 0 || n >= c.rows {
		n = c.rows
	}
	var head, tail []extract.Batch
	var seen int64
	for _, b := range c.pending {
		var rows int64
		if b.Record != nil {
			rows = b.Record.NumRows()
		}
		switch {
		case seen+rows <= n && (len(tail) == 0):
			head = append(head, b)
		case seen >= n:
			tail = append(tail, b)
		default:
			off := n - seen
			first, rest := b, extract.Batch{Record: b.Record.NewSlice(off, rows)}
			first.Record = b.Record.NewSlice(0, off)
			b.Record.Release()
			head = append(head, first)
			tail = append(tail, rest)
		}
		seen += rows
	}
	pages := 0
	for _, b := range head {
		pages += b.Pages
	}
	rest := c.rows - n
	c.pending = head
	written, err := c.Loader.AppendBatches(ctx, c.RunID, c.Source, c.Stream, head)
	c.Release()
	c.pending, c.rows = tail, rest
	if err != nil {
		return err
	}
	if c.Loaded != nil {
		c.Loaded(written, pages)
	}
	return nil
}

// merge joins the small batches gathered since the last big one into one
// batch of scanChunkRows rows once there are that many, releasing the
// pages: what DuckDB reads best, and the pages' memory held only once.
func (c *Coalescer) merge() error {
	first := len(c.pending)
	var rows int64
	for first > 0 {
		b := c.pending[first-1]
		if b.Record == nil || b.Record.NumRows() >= scanChunkRows || b.Cursor != "" {
			break
		}
		rows += b.Record.NumRows()
		first--
	}
	if rows < scanChunkRows || len(c.pending)-first < 2 {
		return nil
	}
	group := c.pending[first:]
	recs := make([]arrow.RecordBatch, len(group))
	merged := extract.Batch{}
	seen := map[string]bool{}
	for i, b := range group {
		recs[i] = b.Record
		merged.Pages += b.Pages
		merged.Rejects = append(merged.Rejects, b.Rejects...)
		for _, f := range b.UnknownFields {
			if !seen[f] {
				seen[f] = true
				merged.UnknownFields = append(merged.UnknownFields, f)
			}
		}
	}
	rec, err := concatenate(recs)
	if err != nil {
		return err
	}
	for _, r := range recs {
		r.Release()
	}
	sort.Strings(merged.UnknownFields)
	merged.Record = rec
	c.pending = append(c.pending[:first], merged)
	return nil
}

// Release frees what is gathered and not written.
func (c *Coalescer) Release() {
	for _, b := range c.pending {
		if b.Record != nil {
			b.Record.Release()
		}
	}
	c.pending, c.rows = nil, 0
}
