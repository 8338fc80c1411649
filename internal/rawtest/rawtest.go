// Package rawtest writes hand-made records straight into a warehouse's raw
// layer, for tests of the SQL models that need a small scenario a person
// can check by hand, without running any connector.
package rawtest

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/files"
	"github.com/takt-billing/takt/extract/harvest"
	"github.com/takt-billing/takt/extract/hubspot"
	"github.com/takt-billing/takt/extract/xero"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/load"
)

// Sources are all raw streams by source, as the pipeline registers them.
func Sources() map[string][]extract.Stream {
	return map[string][]extract.Stream{
		hubspot.Source: hubspot.Streams(),
		harvest.Source: harvest.Streams(),
		xero.Source:    xero.Streams(),
		files.Source:   files.Streams(),
	}
}

// Warehouse is a warehouse in a temp dir with every raw table registered.
type Warehouse struct {
	*warehouse.Warehouse
	Loader *load.Loader
	RunID  int64
	t      *testing.T
}

// Open creates the warehouse and starts a run to load into.
func Open(t *testing.T) *Warehouse {
	t.Helper()
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "takt.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	l := load.New(wh, nil)
	for _, src := range []string{hubspot.Source, harvest.Source, xero.Source, files.Source} {
		if err := l.Register(ctx, src, Sources()[src]); err != nil {
			t.Fatal(err)
		}
	}
	run, err := l.StartRun(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	return &Warehouse{Warehouse: wh, Loader: l, RunID: run, t: t}
}

// Put appends rows to a raw stream. Each row lists the stream's columns in
// schema order except _raw, which Put fills with the row as JSON.
func (w *Warehouse) Put(source, stream string, rows ...[]any) {
	w.t.Helper()
	var st *extract.Stream
	for _, s := range Sources()[source] {
		if s.Name == stream {
			s := s
			st = &s
		}
	}
	if st == nil {
		w.t.Fatalf("rawtest: no stream %s.%s", source, stream)
	}
	b := extract.NewRecordBuilder(nil, st.Schema)
	defer b.Release()
	for i, r := range rows {
		raw, _ := json.Marshal(r)
		if err := b.Append(append(append([]any{}, r...), string(raw))...); err != nil {
			w.t.Fatalf("rawtest: %s.%s row %d: %v", source, stream, i+1, err)
		}
	}
	rec := b.NewRecord()
	defer rec.Release()
	ctx := context.Background()
	_ = w.Loader.StartStream(ctx, w.RunID, source, stream)
	if _, err := w.Loader.Append(ctx, w.RunID, source, stream, extract.Batch{Record: rec}); err != nil {
		w.t.Fatalf("rawtest: %s.%s: %v", source, stream, err)
	}
}

// Date parses 2006-01-02 as a UTC date.
func Date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Time parses an RFC 3339 timestamp.
func Time(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
