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

	"github.com/shopspring/decimal"

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
// schema order except _raw, which Put fills with the row as JSON. Rows of
// a file stream become the file's current version (their file_sha256 is
// stored as the stream's cursor).
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
	batch := extract.Batch{Record: rec}
	if source == files.Source && len(rows) > 0 {
		// A file version becomes current with its hash as the cursor.
		batch.Cursor, _ = rows[0][3].(string)
	}
	if _, err := w.Loader.Append(ctx, w.RunID, source, stream, batch); err != nil {
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

// Scenario is a company small enough to check by hand:
//
// Alpha GmbH (DE) is one customer spelled the same everywhere, linked by
// its Harvest project code = HubSpot deal id 11. Its project bills
// Consulting at 100.00 EUR/h until 2026-02-28 and 110.00 EUR/h from
// 2026-03-01 (rate_cards.csv). Beta Ltd (GB, GBP) is known to Xero only
// under another spelling ("BETA LIMITED") and matched by VAT id.
//
// Time (as of 2026-03-31):
//
//	e1 2026-01-15 8.00 h  @100 billed on H-0001            -> billed
//	e2 2026-02-10 4.50 h  @100 approved, not billed        -> unbilled 450.00
//	e3 2026-03-05 2.25 h  @115 approved, not billed        -> unbilled 247.50 (card 110), rate_mismatch +11.25
//	e4 2026-03-28 3.00 h  @110 not approved                -> nothing
//	e5 2026-03-10 1.3333 h @110 approved, not billed       -> unbilled 146.66 (146.663)
//	e6 2026-03-11 5.00 h  not billable                     -> nothing
//	e7 2026-01-20 2.00 h  @100 ext JIRA-1, billed H-0001   -> billed
//	e8 2026-01-20 2.00 h  @100 ext JIRA-1, billed H-0001   -> double_billed 200.00
//	e9 2026-03-20 1.00 h  @110 linked to draft H-0002      -> unbilled 110.00 (a draft bills nothing)
//	x1 2026-03-12 expense 45.90 approved, not billed       -> unbilled 45.90
//
// Books (Xero, EUR base):
//
//	I1 2026-01-10 1190.00 EUR due 02-09, paid 02-20, dunned 02-16
//	I2 2026-02-02 1428.00 EUR due 03-04 (H-0001), paid 428.00 03-15,
//	   credit note CN1 119.00 allocated 03-20, dunned 03-11
//	I4 2026-02-20  238.00 EUR due 03-22, paid 03-22
//	I3 2026-03-05  850.00 GBP at 0.85 GBP/EUR = 1000.00 EUR, due 04-04,
//	   paid 04-02 (after the month: March AR keeps it open)
//	D1 a DRAFT and V1 a VOIDED invoice in March: they never count.
//
// KPIs:
//
//	Jan: AR 1190, sales 1190, DSO 1190/1190*31 = 31.00; 3m: too short;
//	     nothing due -> dunning rate null
//	Feb: AR 1428+238 = 1666, sales 1666, DSO 28.00; dunning 1/1 = 1
//	Mar: AR (1428-428-119) + 1000 = 1881, sales 1000-119 = 881,
//	     DSO 1881/881*31 = 66.19; 3m: 1881/(1190+1666+881)*90 = 45.30;
//	     dunning: I2 dunned, I4 not -> 0.5
func Scenario(t *testing.T) *Warehouse {
	t.Helper()
	w := Open(t)
	u := Time("2026-03-31T12:00:00Z")
	w.Put("hubspot", "companies",
		[]any{"1", u, u, false, "Alpha GmbH", "alpha.de", "Germany", "DE 123 456 789"},
		[]any{"2", u, u, false, "Beta Ltd", "beta.co.uk", "GB", "GB123456789"},
	)
	w.Put("hubspot", "deals",
		[]any{"11", u, u, false, "Alpha platform", d("50000"), "EUR", "closedwon", "default", Time("2025-12-01T00:00:00Z"), "time_and_materials", "1"},
		[]any{"22", u, u, false, "Beta audit", d("9000"), "GBP", "closedwon", "default", Time("2026-02-01T00:00:00Z"), "time_and_materials", "2"},
	)
	w.Put("harvest", "clients",
		[]any{"100", u, u, "Alpha GmbH", true, "EUR", nil},
		[]any{"200", u, u, "Beta Ltd", true, "GBP", nil},
	)
	w.Put("harvest", "projects",
		[]any{"1000", u, u, "100", "Alpha platform", "11", true, true, false, "Tasks", d("400"), "project", nil, nil, Date("2026-01-01"), nil, nil},
		[]any{"2000", u, u, "200", "Beta audit", "22", true, true, false, "Tasks", nil, nil, nil, nil, Date("2026-02-01"), nil, nil},
	)
	w.Put("harvest", "users", []any{"7", u, u, "Kim", "Allen", "kim@example.com", true, nil, nil})
	w.Put("harvest", "tasks",
		[]any{"50", u, u, "Consulting", true, d("100"), true},
		[]any{"51", u, u, "Internal", false, nil, true},
	)
	w.Put("harvest", "task_assignments", []any{"500", u, u, "1000", "50", true, true, d("110"), nil})
	entry := func(id, day string, hours, rate string, approved, billable bool, invID, invNo, ext any) []any {
		var r any
		if rate != "" {
			r = d(rate)
		}
		billed := invID != nil
		return []any{id, u, Time(day + "T18:00:00Z"), Date(day), "7", "100", "1000", "50", d(hours), nil, "work " + id,
			billed, nil, approved, billed, billable, r, nil, invID, invNo, ext, nil}
	}
	w.Put("harvest", "time_entries",
		entry("e1", "2026-01-15", "8", "100", true, true, "h1", "H-0001", nil),
		entry("e2", "2026-02-10", "4.5", "100", true, true, nil, nil, nil),
		entry("e3", "2026-03-05", "2.25", "115", true, true, nil, nil, nil),
		entry("e4", "2026-03-28", "3", "110", false, true, nil, nil, nil),
		entry("e5", "2026-03-10", "1.3333", "110", true, true, nil, nil, nil),
		entry("e6", "2026-03-11", "5", "", true, false, nil, nil, nil),
		entry("e7", "2026-01-20", "2", "100", true, true, "h1", "H-0001", "JIRA-1"),
		entry("e8", "2026-01-20", "2", "100", true, true, "h1", "H-0001", "JIRA-1"),
		entry("e9", "2026-03-20", "1", "110", true, true, "h2", "H-0002", nil),
	)
	w.Put("harvest", "expenses",
		[]any{"x1", u, u, Date("2026-03-12"), "7", "100", "1000", "Travel", d("45.90"), d("1"), true, true, false, nil, nil, "train"},
	)
	w.Put("harvest", "invoices",
		[]any{"h1", u, u, "100", "H-0001", "open", Date("2026-02-02"), Date("2026-03-04"), Time("2026-02-02T09:00:00Z"), nil, "EUR",
			d("1428"), d("1000"), d("19"), d("228"), "January", Date("2026-01-01"), Date("2026-01-31"),
			[][]any{{"l1", "Service", "Consulting", "1000", d("12"), d("100"), d("1200"), true}}},
		[]any{"h2", u, u, "100", "H-0002", "draft", Date("2026-03-31"), Date("2026-04-30"), nil, nil, "EUR",
			d("130.90"), d("130.90"), d("19"), d("20.90"), "March", Date("2026-03-01"), Date("2026-03-31"), nil},
	)
	w.Put("xero", "contacts",
		[]any{"X1", u, "Alpha GmbH", nil, nil, "DE123456789", "ACTIVE", true, "EUR", "Germany", nil},
		[]any{"X2", u, "BETA LIMITED", nil, nil, "GB 123 456 789", "ACTIVE", true, "GBP", "United Kingdom", nil},
	)
	inv := func(id, number, contact, status, day, due, cur, rate, total string) []any {
		return []any{id, u, "ACCREC", number, nil, contact, nil, status, Date(day), Date(due), cur, d(rate), "Exclusive",
			nil, nil, d(total), nil, nil, nil, nil, nil}
	}
	w.Put("xero", "invoices",
		inv("I1", "INV-0001", "X1", "PAID", "2026-01-10", "2026-02-09", "EUR", "1", "1190.00"),
		inv("I2", "H-0001", "X1", "AUTHORISED", "2026-02-02", "2026-03-04", "EUR", "1", "1428.00"),
		inv("I4", "INV-0004", "X1", "PAID", "2026-02-20", "2026-03-22", "EUR", "1", "238.00"),
		inv("I3", "INV-0003", "X2", "PAID", "2026-03-05", "2026-04-04", "GBP", "0.85", "850.00"),
		inv("D1", "INV-0005", "X1", "DRAFT", "2026-03-25", "2026-04-24", "EUR", "1", "5000.00"),
		inv("V1", "INV-0006", "X1", "VOIDED", "2026-03-01", "2026-03-31", "EUR", "1", "2000.00"),
	)
	w.Put("xero", "credit_notes",
		[]any{"CN1", u, "ACCRECCREDIT", "CN-0001", "H-0001", "X1", nil, "PAID", Date("2026-03-20"), "EUR", d("1"),
			d("100"), d("19"), d("119"), d("0"), [][]any{{"A1", "I2", "H-0001", d("119"), Date("2026-03-20")}}, nil},
	)
	pay := func(id, day, amount, rate, invID string) []any {
		return []any{id, u, Date(day), d(amount), d(rate), "ACCRECPAYMENT", "AUTHORISED", nil, true, invID, nil, nil, nil}
	}
	w.Put("xero", "payments",
		pay("P1", "2026-02-20", "1190", "1", "I1"),
		pay("P2", "2026-03-15", "428", "1", "I2"),
		pay("P4", "2026-03-22", "238", "1", "I4"),
		pay("P3", "2026-04-02", "850", "0.85", "I3"),
	)
	w.Put("files", "dunning_notices",
		[]any{"N1", u, "dunning_notices.csv", "abc", int64(1), "INV-0001", int64(1), Date("2026-02-16"), d("0"), "EUR"},
		[]any{"N2", u, "dunning_notices.csv", "abc", int64(2), "H-0001", int64(1), Date("2026-03-11"), d("0"), "EUR"},
	)
	w.Put("files", "rate_cards",
		[]any{"R1", u, "rate_cards.csv", "def", int64(1), "11", "Consulting", d("100"), "EUR", Date("2025-01-01"), Date("2026-02-28")},
		[]any{"R2", u, "rate_cards.csv", "def", int64(2), "11", "Consulting", d("110"), "EUR", Date("2026-03-01"), nil},
	)
	return w
}

// ScenarioAsOf is the as-of day the Scenario's expected figures hold for.
var ScenarioAsOf = Date("2026-03-31")

// D parses a decimal literal; it panics on a typo.
func D(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func d(s string) decimal.Decimal { return D(s) }
