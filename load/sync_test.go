//go:build duckdb_arrow

package load

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/internal/dbtest"
)

// batch builds a record of testStream with the given invoice ids.
func batch(t *testing.T, ids ...string) arrow.RecordBatch {
	t.Helper()
	b := extract.NewRecordBuilder(nil, testStream.Schema)
	defer b.Release()
	for _, id := range ids {
		if err := b.Append(id, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), id, nil, d("1"), nil, nil, nil, nil, `{}`); err != nil {
			t.Fatal(err)
		}
	}
	return b.NewRecord()
}

func queryLines(t *testing.T, l *Loader, q string, args ...any) []string {
	t.Helper()
	return dbtest.Strings(t, l.wh.DB, q, args...)
}

func startRun(t *testing.T, l *Loader, mode SyncMode) int64 {
	t.Helper()
	ctx := context.Background()
	run, err := l.StartRun(ctx, "cli")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.StartStream(ctx, run, "acme", "invoices"); err != nil {
		t.Fatal(err)
	}
	if err := l.BeginSync(ctx, run, "acme", "invoices", mode, ""); err != nil {
		t.Fatal(err)
	}
	return run
}

// Several batches commit in one transaction with the cursor of the last;
// a cursor on an earlier one is refused and stores nothing.
func TestAppendBatchesOneTransaction(t *testing.T) {
	ctx := context.Background()
	_, l := openTest(t)
	run := startRun(t, l, FullRefresh)
	r1, r2 := batch(t, "a", "b"), batch(t, "c")
	defer r1.Release()
	defer r2.Release()
	_, err := l.AppendBatches(ctx, run, "acme", "invoices", []extract.Batch{{Record: r1, Cursor: "x"}, {Record: r2}})
	if err == nil || err.Error() != "load: acme.invoices: batch 1 of 2 carries a cursor; only the last may" {
		t.Fatalf("err = %v", err)
	}
	n, err := l.AppendBatches(ctx, run, "acme", "invoices", []extract.Batch{
		{Record: r1, Pages: 1, UnknownFields: []string{"po"}},
		{Record: r2, Pages: 2, UnknownFields: []string{"po", "tags"}, Cursor: "c1"},
	})
	if err != nil || n != 3 {
		t.Fatalf("AppendBatches = %d, %v", n, err)
	}
	if got := queryLines(t, l, `SELECT count(*) || '|' || count(DISTINCT _extracted_at) FROM raw.acme_invoices`); !slices.Equal(got, []string{"3|1"}) {
		t.Errorf("rows|transactions = %v", got)
	}
	if got := queryLines(t, l, `SELECT field FROM ops.schema_drift ORDER BY field`); !slices.Equal(got, []string{"po", "tags"}) {
		t.Errorf("drift %v", got)
	}
	if got := queryLines(t, l, `SELECT rows || '|' || pages FROM ops.run_streams`); !slices.Equal(got, []string{"3|3"}) {
		t.Errorf("ledger %v", got)
	}
	if got := queryLines(t, l, `SELECT (completed_at IS NOT NULL)::VARCHAR FROM ops.stream_syncs`); !slices.Equal(got, []string{"true"}) {
		t.Errorf("sync completed: %v", got)
	}
}

// A completed full refresh marks what it no longer brought deleted; one
// that brought nothing at all marks nothing (an empty answer is more likely
// a fault than an empty account); an incremental sync marks nothing.
func TestFullRefreshTombstones(t *testing.T) {
	ctx := context.Background()
	_, l := openTest(t)
	for i, tc := range []struct {
		mode SyncMode
		ids  []string
		want string
	}{
		{FullRefresh, []string{"a", "b", "c"}, ""},
		{FullRefresh, []string{"a", "c"}, "2|b"},
		{Incremental, []string{"a"}, "2|b"},
		{FullRefresh, nil, "2|b"},
		{FullRefresh, []string{"c"}, "2|b 5|a"},
	} {
		run := startRun(t, l, tc.mode)
		if len(tc.ids) > 0 {
			rec := batch(t, tc.ids...)
			if _, err := l.Append(ctx, run, "acme", "invoices", extract.Batch{Record: rec, Cursor: fmt.Sprint("c", i)}); err != nil {
				t.Fatal(err)
			}
			rec.Release()
		}
		deleted, err := l.CompleteSync(ctx, run, "acme", "invoices")
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(queryLines(t, l, `SELECT _run_id || '|' || id FROM raw.tombstones ORDER BY _run_id, id`), " ")
		if got != tc.want {
			t.Errorf("run %d (%s %v): tombstones %q, want %q", run, tc.mode, tc.ids, got, tc.want)
		}
		if wantNew := int64(strings.Count(tc.want, fmt.Sprint(run, "|"))); deleted != wantNew {
			t.Errorf("run %d: CompleteSync says %d deleted, want %d", run, deleted, wantNew)
		}
	}
	if _, err := l.CompleteSync(ctx, 99, "acme", "invoices"); err == nil || err.Error() != "load: acme.invoices: no sync of run 99 to complete" {
		t.Errorf("unknown sync: %v", err)
	}
}

// A listing of ids tombstones the records of the current view it does not
// hold, once; an empty listing tombstones nothing.
func TestReconcileIDs(t *testing.T) {
	ctx := context.Background()
	_, l := openTest(t)
	run := startRun(t, l, FullRefresh)
	rec := batch(t, "a", "b", "c")
	defer rec.Release()
	if _, err := l.Append(ctx, run, "acme", "invoices", extract.Batch{Record: rec, Cursor: "c1"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ids  []string
		want int64
	}{{[]string{"a", "c", "z"}, 1}, {[]string{"a", "c"}, 0}, {nil, 0}, {[]string{"c"}, 1}} {
		run := startRun(t, l, Incremental)
		n, err := l.ReconcileIDs(ctx, run, "acme", "invoices", tc.ids)
		if err != nil || n != tc.want {
			t.Errorf("ReconcileIDs(%v) = %d, %v; want %d", tc.ids, n, err, tc.want)
		}
	}
	if got := queryLines(t, l, `SELECT id || '|' || reason FROM raw.tombstones ORDER BY id`); !slices.Equal(got, []string{"a|absent_from_id_list", "b|absent_from_id_list"}) {
		t.Errorf("tombstones %v", got)
	}
	if got := queryLines(t, l, `SELECT run_id || '|' || listed || '|' || deleted FROM ops.id_checks ORDER BY run_id`); !slices.Equal(got, []string{"2|3|1", "3|2|0", "4|0|0", "5|1|1"}) {
		t.Errorf("id checks %v", got)
	}
	startRun(t, l, Incremental)
	if n, err := l.RunsSinceIDCheck(ctx, "acme", "invoices"); err != nil || n != 1 {
		t.Errorf("RunsSinceIDCheck = %d, %v; want 1", n, err)
	}
}

// A reject closes when a valid version of its record loads, in the same
// transaction; rejects of other records stay open.
func TestValidVersionClosesReject(t *testing.T) {
	ctx := context.Background()
	_, l := openTest(t)
	run := startRun(t, l, Incremental)
	rej := func(id string) extract.Reject {
		return extract.Reject{RecordID: id, Rule: "unparsable_amount", Field: "total", Message: "total is not a number", Payload: `{}`}
	}
	if _, err := l.Append(ctx, run, "acme", "invoices", extract.Batch{Rejects: []extract.Reject{rej("a"), rej("b")}}); err != nil {
		t.Fatal(err)
	}
	rec := batch(t, "a", "c")
	defer rec.Release()
	if _, err := l.Append(ctx, run, "acme", "invoices", extract.Batch{Record: rec, Cursor: "c1"}); err != nil {
		t.Fatal(err)
	}
	// A new loader reads the open rejects from the warehouse.
	l2 := New(l.wh, nil)
	if err := l2.Register(ctx, "acme", []extract.Stream{testStream}); err != nil {
		t.Fatal(err)
	}
	rec2 := batch(t, "b")
	defer rec2.Release()
	if _, err := l2.Append(ctx, run, "acme", "invoices", extract.Batch{Record: rec2}); err != nil {
		t.Fatal(err)
	}
	got := queryLines(t, l, `SELECT record_id || '|' || coalesce(resolved_run_id::VARCHAR, 'open') || '|' || (resolved_at > rejected_at)::VARCHAR FROM ops.rejects ORDER BY record_id`)
	if !slices.Equal(got, []string{"a|1|true", "b|1|true"}) {
		t.Errorf("rejects %v", got)
	}
}

// In an incremental sync, a small batch of versions the raw table holds
// already (read again by the overlap) is not written again; one new
// version among them writes the batch. A full refresh writes everything.
func TestVersionsReadAgainAreNotWrittenAgain(t *testing.T) {
	ctx := context.Background()
	_, l := openTest(t)
	write := func(mode SyncMode, ids ...string) int64 {
		t.Helper()
		run := startRun(t, l, mode)
		rec := batch(t, ids...)
		defer rec.Release()
		n, err := l.Append(ctx, run, "acme", "invoices", extract.Batch{Record: rec, Cursor: "c"})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := write(FullRefresh, "a", "b"); n != 2 {
		t.Fatalf("first: %d rows", n)
	}
	if n := write(Incremental, "a", "b"); n != 0 {
		t.Errorf("the same versions again: %d rows written, want 0", n)
	}
	if n := write(Incremental, "b", "c"); n != 2 {
		t.Errorf("one new record among them: %d rows written, want 2", n)
	}
	if n := write(FullRefresh, "a", "b", "c"); n != 3 {
		t.Errorf("full refresh: %d rows written, want 3", n)
	}
	if got := queryLines(t, l, `SELECT _run_id || '|' || count(*) FROM raw.acme_invoices GROUP BY _run_id ORDER BY _run_id`); !slices.Equal(got, []string{"1|2", "3|2", "4|3"}) {
		t.Errorf("rows by run %v", got)
	}
	if got := queryLines(t, l, `SELECT run_id || '|' || rows FROM ops.run_streams ORDER BY run_id`); !slices.Equal(got, []string{"1|2", "2|0", "3|2", "4|3"}) {
		t.Errorf("ledger %v", got)
	}
}
