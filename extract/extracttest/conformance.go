// Package extracttest is the conformance suite every connector passes: one
// set of checks on stream declarations, batches, schemas across pages,
// cursors, cancellation, error propagation, Arrow memory, rate limits and
// server faults, and the values parsed from real payloads, run against the
// connector's emulator.
package extracttest

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/takt-billing/takt/extract"
)

var nameRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Options tune the suite for one connector.
type Options struct {
	// WantRows, if set, is the exact number of records a full extraction of
	// each stream must yield, by stream name.
	WantRows map[string]int
	// WithAllocator returns a connector like newConnector's whose Arrow
	// batches come from mem (its Config.Mem). Required: the suite extracts
	// every stream with a checked allocator and fails unless every byte is
	// released at the end, also after an emit error.
	WithAllocator func(t *testing.T, mem memory.Allocator) extract.Connector
	// SmallPages returns a connector to the same data that reads it in
	// pages of very few records. The suite checks that every page has the
	// declared schema, that paging yields the records of the one-page
	// extraction, and that a cancellation between pages is honoured. Nil
	// when the source has no pages (files); then every stream must come
	// in one batch.
	SmallPages func(t *testing.T) extract.Connector
	// Faults returns a connector to the same data whose emulator answers
	// some requests 429 (with Retry-After) and some 5xx; the suite checks
	// that every record still arrives exactly once. Nil when the source is
	// not reached over HTTP (files).
	Faults func(t *testing.T) extract.Connector
	// Values are records of the real payloads with the values they must be
	// parsed to.
	Values []Value
}

// Value is a record a full extraction must yield, with some of its
// columns as Render shows them.
type Value struct {
	Stream, ID string
	// Columns maps column names to their rendered values.
	Columns map[string]string
}

// Rows is what a full extraction of a stream yielded.
type Rows struct {
	IDs     []string
	Cursor  string
	Batches int
	Pages   int
	// Rejects counts the records refused into the quarantine.
	Rejects int
}

// Run runs the suite. newConnector must return a connector pointed at a
// freshly started emulator that serves the same data every time.
func Run(t *testing.T, newConnector func(t *testing.T) extract.Connector, opts Options) {
	t.Helper()
	t.Run("declarations", func(t *testing.T) {
		c := newConnector(t)
		if !nameRe.MatchString(c.Name()) {
			t.Fatalf("name %q is not lower snake case", c.Name())
		}
		seen := map[string]bool{}
		for _, s := range c.Streams() {
			if !nameRe.MatchString(s.Name) {
				t.Errorf("stream name %q is not lower snake case", s.Name)
			}
			if seen[s.Name] {
				t.Errorf("stream %q declared twice", s.Name)
			}
			seen[s.Name] = true
			if err := extract.ValidateSchema(s.Schema); err != nil {
				t.Errorf("stream %s: %v", s.Name, err)
			}
		}
		if len(seen) == 0 {
			t.Fatal("connector declares no streams")
		}
	})

	t.Run("full_extraction", func(t *testing.T) {
		c := newConnector(t)
		for _, s := range c.Streams() {
			got := Collect(t, c, s, "")
			if want, ok := opts.WantRows[s.Name]; ok && len(got.IDs) != want {
				t.Errorf("stream %s: %d records, want %d", s.Name, len(got.IDs), want)
			}
			if s.Incremental && len(got.IDs) > 0 && got.Cursor == "" {
				t.Errorf("stream %s: incremental stream yielded rows but no cursor", s.Name)
			}
		}
	})

	t.Run("deterministic", func(t *testing.T) {
		c := newConnector(t)
		for _, s := range c.Streams() {
			a := Collect(t, c, s, "")
			b := Collect(t, c, s, "")
			if len(a.IDs) != len(b.IDs) || a.Cursor != b.Cursor {
				t.Errorf("stream %s: two full extractions differ: %d/%q vs %d/%q", s.Name, len(a.IDs), a.Cursor, len(b.IDs), b.Cursor)
				continue
			}
			for i := range a.IDs {
				if a.IDs[i] != b.IDs[i] {
					t.Errorf("stream %s: record %d is %s then %s", s.Name, i, a.IDs[i], b.IDs[i])
					break
				}
			}
		}
	})

	t.Run("incremental_resume", func(t *testing.T) {
		c := newConnector(t)
		for _, s := range c.Streams() {
			if !s.Incremental {
				continue
			}
			full := Collect(t, c, s, "")
			if full.Cursor == "" {
				continue
			}
			again := Collect(t, c, s, full.Cursor)
			known := map[string]bool{}
			for _, id := range full.IDs {
				known[id] = true
			}
			if len(again.IDs) > len(full.IDs) {
				t.Errorf("stream %s: resuming from the final cursor yielded %d records, more than the full %d", s.Name, len(again.IDs), len(full.IDs))
			}
			for _, id := range again.IDs {
				if !known[id] {
					t.Errorf("stream %s: resume yielded unknown id %s", s.Name, id)
				}
			}
			if again.Cursor != "" && again.Cursor < full.Cursor {
				t.Errorf("stream %s: cursor went back from %q to %q", s.Name, full.Cursor, again.Cursor)
			}
		}
	})

	t.Run("emit_error_stops_extraction", func(t *testing.T) {
		c := newConnector(t)
		stop := errors.New("stop here")
		for _, s := range c.Streams() {
			calls := 0
			err := c.Extract(context.Background(), s.Name, "", func(ctx context.Context, b extract.Batch) error {
				calls++
				if b.Record != nil && b.Record.NumRows() > 0 {
					return stop
				}
				return nil
			})
			full := Collect(t, c, s, "")
			if len(full.IDs) > 0 && !errors.Is(err, stop) {
				t.Errorf("stream %s: emit error came back as %v", s.Name, err)
			}
		}
	})

	t.Run("cancelled_context", func(t *testing.T) {
		c := newConnector(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		s := c.Streams()[0]
		err := c.Extract(ctx, s.Name, "", func(context.Context, extract.Batch) error { return nil })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("stream %s with a cancelled context: err = %v, want context.Canceled", s.Name, err)
		}
	})

	t.Run("cursor_moves_forward", func(t *testing.T) {
		c := newConnector(t)
		for _, s := range c.Streams() {
			if !s.Incremental {
				continue
			}
			cursor := Collect(t, c, s, "").Cursor
			for i := 0; i < 2 && cursor != ""; i++ {
				next := Collect(t, c, s, cursor).Cursor
				if next != "" && next < cursor {
					t.Errorf("stream %s: resuming from %q gave cursor %q, an earlier one", s.Name, cursor, next)
				}
				if next != "" {
					cursor = next
				}
			}
		}
	})

	t.Run("schema_stable_across_pages", func(t *testing.T) {
		if opts.SmallPages == nil {
			c := newConnector(t)
			for _, s := range c.Streams() {
				if got := Collect(t, c, s, ""); got.Batches > 1 {
					t.Errorf("stream %s came in %d batches but Options.SmallPages is not set: set it to check its pages", s.Name, got.Batches)
				}
			}
			return
		}
		whole, paged := newConnector(t), opts.SmallPages(t)
		multi := false
		for _, s := range whole.Streams() {
			a := Collect(t, whole, s, "")
			b := Collect(t, paged, s, "")
			if b.Batches > 1 {
				multi = true
			}
			if !sameSet(a.IDs, b.IDs) || len(a.IDs) != len(b.IDs) {
				t.Errorf("stream %s: %d records in pages, %d in one; ids differ", s.Name, len(b.IDs), len(a.IDs))
			}
			if a.Cursor != b.Cursor {
				t.Errorf("stream %s: cursor %q in pages, %q in one", s.Name, b.Cursor, a.Cursor)
			}
		}
		if !multi {
			t.Error("Options.SmallPages read every stream in one batch: make its pages smaller than a stream")
		}
	})

	t.Run("cancelled_between_pages", func(t *testing.T) {
		if opts.SmallPages == nil {
			t.Skip("the source has no pages")
		}
		c := opts.SmallPages(t)
		for _, s := range c.Streams() {
			if Collect(t, c, s, "").Batches < 2 {
				continue
			}
			ctx, cancel := context.WithCancel(context.Background())
			batches := 0
			err := c.Extract(ctx, s.Name, "", func(ctx context.Context, b extract.Batch) error {
				batches++
				cancel()
				return nil
			})
			cancel()
			if !errors.Is(err, context.Canceled) || batches != 1 {
				t.Errorf("stream %s cancelled in its first batch: %d batches, err = %v; want 1 and context.Canceled", s.Name, batches, err)
			}
			return
		}
		t.Error("no stream came in two batches or more with Options.SmallPages")
	})

	t.Run("memory_released", func(t *testing.T) {
		if opts.WithAllocator == nil {
			t.Fatal("Options.WithAllocator is not set: the connector must take its Arrow allocator in its Config (Mem) so the suite can check it releases every batch")
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		c := opts.WithAllocator(t, mem)
		for _, s := range c.Streams() {
			full := Collect(t, c, s, "")
			if s.Incremental && full.Cursor != "" {
				Collect(t, c, s, full.Cursor)
			}
			stop := errors.New("stop here")
			_ = c.Extract(context.Background(), s.Name, "", func(context.Context, extract.Batch) error { return stop })
		}
		if n := mem.CurrentAlloc(); n != 0 {
			t.Errorf("%d bytes of Arrow memory not released after extracting every stream", n)
		}
	})

	t.Run("rate_limits_and_server_errors", func(t *testing.T) {
		if opts.Faults == nil {
			t.Skip("the source is not reached over HTTP")
		}
		whole, faulty := newConnector(t), opts.Faults(t)
		for _, s := range whole.Streams() {
			a := Collect(t, whole, s, "")
			b := Collect(t, faulty, s, "")
			if len(a.IDs) != len(b.IDs) || !sameSet(a.IDs, b.IDs) || a.Cursor != b.Cursor {
				t.Errorf("stream %s through faults: %d records, cursor %q; want %d, %q", s.Name, len(b.IDs), b.Cursor, len(a.IDs), a.Cursor)
			}
		}
	})

	t.Run("fixture_values", func(t *testing.T) {
		if len(opts.Values) == 0 {
			t.Fatal("Options.Values is empty: name records of the real payloads and the values they parse to")
		}
		c := newConnector(t)
		rendered := map[string]map[string]map[string]string{} // stream -> id -> column -> value
		for _, v := range opts.Values {
			if rendered[v.Stream] == nil {
				var st *extract.Stream
				for _, s := range c.Streams() {
					if s.Name == v.Stream {
						st = &s
					}
				}
				if st == nil {
					t.Fatalf("Options.Values names stream %s, which the connector does not have", v.Stream)
				}
				rendered[v.Stream] = renderStream(t, c, *st)
			}
			row, ok := rendered[v.Stream][v.ID]
			if !ok {
				t.Errorf("stream %s: no record %s", v.Stream, v.ID)
				continue
			}
			for col, want := range v.Columns {
				got, ok := row[col]
				if !ok {
					t.Errorf("stream %s has no column %s", v.Stream, col)
					continue
				}
				if got != want {
					t.Errorf("stream %s record %s column %s = %s, want %s", v.Stream, v.ID, col, got, want)
				}
			}
		}
	})

	t.Run("unknown_stream", func(t *testing.T) {
		c := newConnector(t)
		if err := c.Extract(context.Background(), "no_such_stream", "", func(context.Context, extract.Batch) error { return nil }); err == nil {
			t.Error("extracting an unknown stream succeeded")
		}
	})
}

// Collect extracts a stream and checks every batch: schema as declared,
// non-empty ids, updated_at present, _raw valid JSON, the cursor only on the
// last batch.
func Collect(t *testing.T, c extract.Connector, s extract.Stream, cursor string) Rows {
	t.Helper()
	var out Rows
	cursorSeen := false
	err := c.Extract(context.Background(), s.Name, cursor, func(ctx context.Context, b extract.Batch) error {
		out.Batches++
		out.Pages += b.Pages
		if cursorSeen {
			t.Errorf("stream %s: a batch followed the one that carried the cursor", s.Name)
		}
		if b.Cursor != "" {
			cursorSeen = true
			out.Cursor = b.Cursor
		}
		for _, r := range b.Rejects {
			if r.Rule == "" || r.Message == "" {
				t.Errorf("stream %s: reject of record %q without rule or message", s.Name, r.RecordID)
			}
		}
		out.Rejects += len(b.Rejects)
		if !sort.StringsAreSorted(b.UnknownFields) {
			t.Errorf("stream %s: unknown fields %v are not sorted", s.Name, b.UnknownFields)
		}
		if b.Record == nil {
			return nil
		}
		if !b.Record.Schema().Equal(s.Schema) {
			t.Errorf("stream %s: batch schema differs from the declared one:\n got %s\nwant %s", s.Name, b.Record.Schema(), s.Schema)
			return nil
		}
		checkRecord(t, s.Name, b.Record)
		ids := b.Record.Column(0).(*array.String)
		for i := 0; i < ids.Len(); i++ {
			out.IDs = append(out.IDs, ids.Value(i))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("stream %s: extract: %v", s.Name, err)
	}
	return out
}

func checkRecord(t *testing.T, stream string, rec arrow.RecordBatch) {
	t.Helper()
	ids := rec.Column(0).(*array.String)
	upd := rec.Column(1)
	raw := rec.Column(int(rec.NumCols()) - 1).(*array.String)
	for i := 0; i < int(rec.NumRows()); i++ {
		if ids.IsNull(i) || ids.Value(i) == "" {
			t.Errorf("stream %s: row %d has no id", stream, i)
		}
		if upd.IsNull(i) {
			t.Errorf("stream %s: record %s has no updated_at", stream, ids.Value(i))
		}
		if raw.IsNull(i) || !json.Valid([]byte(raw.Value(i))) {
			t.Errorf("stream %s: record %s: _raw is not valid JSON", stream, ids.Value(i))
		}
	}
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

// renderStream extracts a stream in full and renders every record's
// columns, by id.
func renderStream(t *testing.T, c extract.Connector, s extract.Stream) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	err := c.Extract(context.Background(), s.Name, "", func(ctx context.Context, b extract.Batch) error {
		if b.Record == nil {
			return nil
		}
		ids := b.Record.Column(0).(*array.String)
		for i := 0; i < int(b.Record.NumRows()); i++ {
			row := map[string]string{}
			for j, f := range b.Record.Schema().Fields() {
				row[f.Name] = Render(b.Record.Column(j), i)
			}
			out[ids.Value(i)] = row
		}
		return nil
	})
	if err != nil {
		t.Fatalf("stream %s: extract: %v", s.Name, err)
	}
	return out
}
