// Package extracttest is the conformance suite every connector passes: one
// set of checks on stream declarations, batches, cursors, cancellation and
// error propagation, run against the connector's emulator.
package extracttest

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/takt-billing/takt/extract"
)

var nameRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Options tune the suite for one connector.
type Options struct {
	// WantRows, if set, is the exact number of records a full extraction of
	// each stream must yield, by stream name.
	WantRows map[string]int
}

// Rows is what a full extraction of a stream yielded.
type Rows struct {
	IDs     []string
	Cursor  string
	Batches int
	Pages   int
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
