//go:build duckdb_arrow

package load

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/internal/warehouse"
)

var testStream = extract.Stream{
	Name: "invoices",
	Schema: extract.NewSchema(
		extract.Col("number", extract.String),
		extract.Col("issue_date", extract.Date),
		extract.Col("total", extract.Amount),
		extract.Col("fx_rate", extract.Rate),
		extract.Col("paid", extract.Bool),
		extract.Col("client_id", extract.Int64),
		extract.ListOf("lines",
			extract.Col("description", extract.String),
			extract.Col("hours", extract.Amount),
		),
	),
	Incremental: true,
}

func openTest(t *testing.T) (*warehouse.Warehouse, *Loader) {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	l := New(wh, nil)
	if err := l.Register(context.Background(), "acme", []extract.Stream{testStream}); err != nil {
		t.Fatal(err)
	}
	return wh, l
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestAppendRoundTripsExactValues(t *testing.T) {
	ctx := context.Background()
	wh, l := openTest(t)
	run, err := l.StartRun(ctx, "cli")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.StartStream(ctx, run, "acme", "invoices"); err != nil {
		t.Fatal(err)
	}
	b := extract.NewRecordBuilder(nil, testStream.Schema)
	defer b.Release()
	upd := time.Date(2026, 3, 31, 23, 30, 0, 0, time.FixedZone("CEST", 2*3600))
	// A date given in a zone east of UTC must keep its calendar day.
	issue := time.Date(2026, 4, 1, 0, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	err = b.Append("inv-1", upd, "2026-0001", issue, d("1234.5678"), d("1.085432"), true, int64(7),
		[][]any{{"Consulting", d("12.5")}, {"Travel", nil}}, `{"id":"inv-1"}`)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Append("inv-2", upd, nil, nil, d("-0.01"), nil, nil, nil, nil, `{}`); err != nil {
		t.Fatal(err)
	}
	rec := b.NewRecord()
	defer rec.Release()
	n, err := l.Append(ctx, run, "acme", "invoices", extract.Batch{Record: rec, Cursor: "2026-03-31T21:30:00Z", Pages: 1})
	if err != nil || n != 2 {
		t.Fatalf("Append = %d, %v", n, err)
	}

	var total, fx, hours, updated, issued string
	err = wh.DB.QueryRowContext(ctx, `SELECT total::VARCHAR, fx_rate::VARCHAR, lines[1].hours::VARCHAR,
		strftime(updated_at, '%Y-%m-%dT%H:%M:%S'), issue_date::VARCHAR FROM raw.acme_invoices WHERE id = 'inv-1'`).
		Scan(&total, &fx, &hours, &updated, &issued)
	if err != nil {
		t.Fatal(err)
	}
	if total != "1234.5678" || fx != "1.085432" || hours != "12.5000" || updated != "2026-03-31T21:30:00" || issued != "2026-04-01" {
		t.Fatalf("got total=%s fx=%s hours=%s updated=%s issued=%s", total, fx, hours, updated, issued)
	}
	var neg string
	if err := wh.DB.QueryRowContext(ctx, `SELECT total::VARCHAR FROM raw.acme_invoices WHERE id = 'inv-2'`).Scan(&neg); err != nil || neg != "-0.0100" {
		t.Fatalf("negative cent = %q %v", neg, err)
	}
	cur, err := l.Cursor(ctx, "acme", "invoices")
	if err != nil || cur != "2026-03-31T21:30:00Z" {
		t.Fatalf("cursor = %q %v", cur, err)
	}
	var rows int64
	if err := wh.DB.QueryRowContext(ctx, `SELECT rows FROM ops.run_streams WHERE run_id = $1`, run).Scan(&rows); err != nil || rows != 2 {
		t.Fatalf("ledger rows = %d %v", rows, err)
	}
}

func TestRefusesTooManyDecimalsWithoutAppending(t *testing.T) {
	b := extract.NewRecordBuilder(nil, testStream.Schema)
	defer b.Release()
	err := b.Append("x", time.Now(), "n", nil, d("1.23456"), nil, nil, nil, nil, `{}`)
	if err == nil || !strings.Contains(err.Error(), "field total") || !strings.Contains(err.Error(), "more decimal places") {
		t.Fatalf("err = %v", err)
	}
	if b.Len() != 0 {
		t.Fatalf("a refused row was appended")
	}
}

func TestFailedBatchLeavesNothingAndKeepsCursor(t *testing.T) {
	ctx := context.Background()
	wh, l := openTest(t)
	run, _ := l.StartRun(ctx, "cli")
	_ = l.StartStream(ctx, run, "acme", "invoices")
	b := extract.NewRecordBuilder(nil, testStream.Schema)
	defer b.Release()
	_ = b.Append("inv-1", time.Now(), "1", nil, d("1"), nil, nil, nil, nil, `{}`)
	rec := b.NewRecord()
	defer rec.Release()
	if _, err := l.Append(ctx, run, "acme", "invoices", extract.Batch{Record: rec, Cursor: "c1"}); err != nil {
		t.Fatal(err)
	}
	// A cancelled context aborts the second batch before commit.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_ = b.Append("inv-2", time.Now(), "2", nil, d("2"), nil, nil, nil, nil, `{}`)
	rec2 := b.NewRecord()
	defer rec2.Release()
	if _, err := l.Append(cctx, run, "acme", "invoices", extract.Batch{Record: rec2, Cursor: "c2"}); err == nil {
		t.Fatal("append with cancelled context succeeded")
	}
	var n int
	_ = wh.DB.QueryRowContext(ctx, `SELECT count(*) FROM raw.acme_invoices`).Scan(&n)
	cur, _ := l.Cursor(ctx, "acme", "invoices")
	if n != 1 || cur != "c1" {
		t.Fatalf("after failed batch: %d rows, cursor %q; want 1 row, cursor c1", n, cur)
	}
}

func TestSchemaEvolution(t *testing.T) {
	ctx := context.Background()
	wh, _ := openTest(t)
	grown := extract.Stream{Name: "invoices", Schema: extract.NewSchema(append(testStream.Schema.Fields()[2:len(testStream.Schema.Fields())-1],
		extract.Col("po_number", extract.String))...)}
	l2 := New(wh, nil)
	if err := l2.Register(ctx, "acme", []extract.Stream{grown}); err != nil {
		t.Fatalf("adding a column: %v", err)
	}
	changed := extract.Stream{Name: "invoices", Schema: extract.NewSchema(extract.Col("number", extract.Int64))}
	err := New(wh, nil).Register(ctx, "acme", []extract.Stream{changed})
	if err == nil || !strings.Contains(err.Error(), "column number is VARCHAR") {
		t.Fatalf("type change: err = %v", err)
	}
}

func TestConcurrentAppendsToDifferentStreams(t *testing.T) {
	ctx := context.Background()
	wh, l := openTest(t)
	other := extract.Stream{Name: "payments", Schema: extract.NewSchema(extract.Col("amount", extract.Amount))}
	if err := l.Register(ctx, "acme", []extract.Stream{other}); err != nil {
		t.Fatal(err)
	}
	run, _ := l.StartRun(ctx, "cli")
	_ = l.StartStream(ctx, run, "acme", "invoices")
	_ = l.StartStream(ctx, run, "acme", "payments")
	const batches = 20
	errs := make(chan error, 2*batches)
	for _, st := range []extract.Stream{testStream, other} {
		go func() {
			for i := 0; i < batches; i++ {
				b := extract.NewRecordBuilder(nil, st.Schema)
				vals := make([]any, len(st.Schema.Fields()))
				vals[0], vals[1], vals[len(vals)-1] = fmt.Sprintf("%s-%d", st.Name, i), time.Now(), "{}"
				if err := b.Append(vals...); err != nil {
					errs <- err
					continue
				}
				rec := b.NewRecord()
				_, err := l.Append(ctx, run, "acme", st.Name, extract.Batch{Record: rec})
				rec.Release()
				b.Release()
				errs <- err
			}
		}()
	}
	for i := 0; i < 2*batches; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range []string{"acme_invoices", "acme_payments"} {
		var n int
		if err := wh.DB.QueryRowContext(ctx, "SELECT count(*) FROM raw."+table).Scan(&n); err != nil || n != batches {
			t.Fatalf("%s: %d rows (%v), want %d", table, n, err, batches)
		}
	}
}

func TestRejectsCommitWithTheirBatch(t *testing.T) {
	ctx := context.Background()
	wh, l := openTest(t)
	run, _ := l.StartRun(ctx, "cli")
	_ = l.StartStream(ctx, run, "acme", "invoices")
	b := extract.NewRecordBuilder(nil, testStream.Schema)
	defer b.Release()
	_ = b.Append("inv-1", time.Now(), "1", nil, d("1"), nil, nil, nil, nil, `{}`)
	rec := b.NewRecord()
	defer rec.Release()
	rej := extract.Reject{RecordID: "inv-2", Rule: "unparsable_amount", Field: "Total", Message: "Total \"12,5\" is not a number; fix it in the source", Payload: `{"id":"inv-2"}`}
	if _, err := l.Append(ctx, run, "acme", "invoices", extract.Batch{Record: rec, Rejects: []extract.Reject{rej}, Cursor: "c1"}); err != nil {
		t.Fatal(err)
	}
	var id, rule, field, msg, payload string
	if err := wh.DB.QueryRowContext(ctx, `SELECT record_id, rule, field, message, payload FROM ops.rejects WHERE run_id = $1`, run).
		Scan(&id, &rule, &field, &msg, &payload); err != nil {
		t.Fatal(err)
	}
	if id != "inv-2" || rule != "unparsable_amount" || field != "Total" || msg != rej.Message || payload != rej.Payload {
		t.Fatalf("stored reject: %s %s %s %q %s", id, rule, field, msg, payload)
	}
	// A reject without a rule is a programming error and stores nothing.
	_, err := l.Append(ctx, run, "acme", "invoices", extract.Batch{Rejects: []extract.Reject{{RecordID: "x"}}, Cursor: "c2"})
	if err == nil {
		t.Fatal("a reject without rule was accepted")
	}
	if cur, _ := l.Cursor(ctx, "acme", "invoices"); cur != "c1" {
		t.Fatalf("cursor moved to %q with a refused batch", cur)
	}
}
