//go:build duckdb_arrow

package load

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/takt-billing/takt/extract"
)

// rows builds a record of testStream with n invoices numbered from first.
func rows(t *testing.T, first, n int) arrow.RecordBatch {
	t.Helper()
	b := extract.NewRecordBuilder(nil, testStream.Schema)
	defer b.Release()
	upd := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := first; i < first+n; i++ {
		if err := b.Append(fmt.Sprint(i), upd, nil, nil, nil, nil, nil, nil, nil, `{}`); err != nil {
			t.Fatal(err)
		}
	}
	return b.NewRecord()
}

// The coalescer writes whole row groups per transaction, cutting a page in
// two where needed, and everything left with the batch that carries the
// cursor.
func TestCoalescerWritesWholeRowGroups(t *testing.T) {
	ctx := context.Background()
	_, l := openTest(t)
	run := startRun(t, l, FullRefresh)
	var writes []string
	co := &Coalescer{Loader: l, RunID: run, Source: "acme", Stream: "invoices",
		Loaded: func(rows int64, pages int) { writes = append(writes, fmt.Sprint(rows, "/", pages)) }}
	reject := extract.Reject{RecordID: "x", Rule: "missing_id", Message: "no id"}
	for i, n := range []int{50_000, 50_000, 50_000, 10} {
		rec := rows(t, i*50_000, n)
		b := extract.Batch{Record: rec, Pages: 1}
		if i == 2 {
			b.Rejects = []extract.Reject{reject}
		}
		if i == 3 {
			b.Cursor = "c1"
		}
		if err := co.Emit(ctx, b); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	if !slices.Equal(writes, []string{"122880/3", "27130/1"}) {
		t.Errorf("writes (rows/pages) %v", writes)
	}
	got := queryLines(t, l, `SELECT count(*) || '|' || min(id::INT) || '|' || max(id::INT) FROM raw.acme_invoices GROUP BY _extracted_at ORDER BY min(id::INT)`)
	if !slices.Equal(got, []string{"122880|0|122879", "27130|122880|150009"}) {
		t.Errorf("transactions (rows|first|last) %v", got)
	}
	if got := queryLines(t, l, `SELECT count(*)::VARCHAR FROM ops.rejects`); !slices.Equal(got, []string{"1"}) {
		t.Errorf("rejects %v", got)
	}
	if cur, _ := l.Cursor(ctx, "acme", "invoices"); cur != "c1" {
		t.Errorf("cursor %q", cur)
	}
}

// Small pages are joined into one batch as soon as they hold an Arrow
// batch's worth of rows, their rejects and unknown fields kept with it.
func TestCoalescerJoinsSmallPages(t *testing.T) {
	ctx := context.Background()
	_, l := openTest(t)
	run := startRun(t, l, FullRefresh)
	var writes []string
	co := &Coalescer{Loader: l, RunID: run, Source: "acme", Stream: "invoices",
		Loaded: func(rows int64, pages int) { writes = append(writes, fmt.Sprint(rows, "/", pages)) }}
	for i := 0; i < 40; i++ {
		rec := rows(t, i*1000, 1000)
		b := extract.Batch{Record: rec, Pages: 1}
		switch i {
		case 5:
			b.Rejects = []extract.Reject{{RecordID: "r5", Rule: "missing_id", Message: "no id"}}
			b.UnknownFields = []string{"z"}
		case 6:
			b.UnknownFields = []string{"a", "z"}
		case 39:
			b.Cursor = "c"
		}
		if err := co.Emit(ctx, b); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		if i == 32 && (len(co.pending) != 1 || co.pending[0].Record.NumRows() != 33_000 || co.pending[0].Pages != 33 ||
			len(co.pending[0].Rejects) != 1 || fmt.Sprint(co.pending[0].UnknownFields) != "[a z]") {
			t.Fatalf("after 33 pages: %d batches, first %+v", len(co.pending), co.pending[0])
		}
	}
	if !slices.Equal(writes, []string{"40000/40"}) {
		t.Errorf("writes %v", writes)
	}
	if got := queryLines(t, l, `SELECT count(*) || '|' || count(DISTINCT id) || '|' || max(id::INT) FROM raw.acme_invoices`); !slices.Equal(got, []string{"40000|40000|39999"}) {
		t.Errorf("rows %v", got)
	}
	if got := queryLines(t, l, `SELECT record_id FROM ops.rejects UNION ALL SELECT field FROM ops.schema_drift ORDER BY 1`); !slices.Equal(got, []string{"a", "r5", "z"}) {
		t.Errorf("rejects and drift %v", got)
	}
}
