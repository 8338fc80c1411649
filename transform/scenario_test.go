//go:build duckdb_arrow

package transform

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/rawtest"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

var (
	date = rawtest.Date
	ts   = rawtest.Time
)

// scenario is a company small enough to check by hand:
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
func scenario(t *testing.T) *rawtest.Warehouse {
	w := rawtest.Open(t)
	u := ts("2026-03-31T12:00:00Z")
	w.Put("hubspot", "companies",
		[]any{"1", u, u, false, "Alpha GmbH", "alpha.de", "Germany", "DE 123 456 789"},
		[]any{"2", u, u, false, "Beta Ltd", "beta.co.uk", "GB", "GB123456789"},
	)
	w.Put("hubspot", "deals",
		[]any{"11", u, u, false, "Alpha platform", d("50000"), "EUR", "closedwon", "default", ts("2025-12-01T00:00:00Z"), "time_and_materials", "1"},
		[]any{"22", u, u, false, "Beta audit", d("9000"), "GBP", "closedwon", "default", ts("2026-02-01T00:00:00Z"), "time_and_materials", "2"},
	)
	w.Put("harvest", "clients",
		[]any{"100", u, u, "Alpha GmbH", true, "EUR", nil},
		[]any{"200", u, u, "Beta Ltd", true, "GBP", nil},
	)
	w.Put("harvest", "projects",
		[]any{"1000", u, u, "100", "Alpha platform", "11", true, true, false, "Tasks", d("400"), "project", nil, nil, date("2026-01-01"), nil, nil},
		[]any{"2000", u, u, "200", "Beta audit", "22", true, true, false, "Tasks", nil, nil, nil, nil, date("2026-02-01"), nil, nil},
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
		return []any{id, u, ts(day + "T18:00:00Z"), date(day), "7", "100", "1000", "50", d(hours), nil, "work " + id,
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
		[]any{"x1", u, u, date("2026-03-12"), "7", "100", "1000", "Travel", d("45.90"), d("1"), true, true, false, nil, nil, "train"},
	)
	w.Put("harvest", "invoices",
		[]any{"h1", u, u, "100", "H-0001", "open", date("2026-02-02"), date("2026-03-04"), ts("2026-02-02T09:00:00Z"), nil, "EUR",
			d("1428"), d("1000"), d("19"), d("228"), "January", date("2026-01-01"), date("2026-01-31"),
			[][]any{{"l1", "Service", "Consulting", "1000", d("12"), d("100"), d("1200"), true}}},
		[]any{"h2", u, u, "100", "H-0002", "draft", date("2026-03-31"), date("2026-04-30"), nil, nil, "EUR",
			d("130.90"), d("130.90"), d("19"), d("20.90"), "March", date("2026-03-01"), date("2026-03-31"), nil},
	)
	w.Put("xero", "contacts",
		[]any{"X1", u, "Alpha GmbH", nil, nil, "DE123456789", "ACTIVE", true, "EUR", "Germany", nil},
		[]any{"X2", u, "BETA LIMITED", nil, nil, "GB 123 456 789", "ACTIVE", true, "GBP", "United Kingdom", nil},
	)
	inv := func(id, number, contact, status, day, due, cur, rate, total string) []any {
		return []any{id, u, "ACCREC", number, nil, contact, nil, status, date(day), date(due), cur, d(rate), "Exclusive",
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
		[]any{"CN1", u, "ACCRECCREDIT", "CN-0001", "H-0001", "X1", nil, "PAID", date("2026-03-20"), "EUR", d("1"),
			d("100"), d("19"), d("119"), d("0"), [][]any{{"A1", "I2", "H-0001", d("119"), date("2026-03-20")}}, nil},
	)
	pay := func(id, day, amount, rate, invID string) []any {
		return []any{id, u, date(day), d(amount), d(rate), "ACCRECPAYMENT", "AUTHORISED", nil, true, invID, nil, nil, nil}
	}
	w.Put("xero", "payments",
		pay("P1", "2026-02-20", "1190", "1", "I1"),
		pay("P2", "2026-03-15", "428", "1", "I2"),
		pay("P4", "2026-03-22", "238", "1", "I4"),
		pay("P3", "2026-04-02", "850", "0.85", "I3"),
	)
	w.Put("files", "dunning_notices",
		[]any{"N1", u, "dunning_notices.csv", "abc", int64(1), "INV-0001", int64(1), date("2026-02-16"), d("0"), "EUR"},
		[]any{"N2", u, "dunning_notices.csv", "abc", int64(2), "H-0001", int64(1), date("2026-03-11"), d("0"), "EUR"},
	)
	w.Put("files", "rate_cards",
		[]any{"R1", u, "rate_cards.csv", "def", int64(1), "11", "Consulting", d("100"), "EUR", date("2025-01-01"), date("2026-02-28")},
		[]any{"R2", u, "rate_cards.csv", "def", int64(2), "11", "Consulting", d("110"), "EUR", date("2026-03-01"), nil},
	)
	for _, s := range []string{"line_items"} {
		_ = s
	}
	return w
}

func settings() Settings {
	return Settings{BaseCurrency: "EUR", HomeCountry: "DE", StandardVAT: "19", PaymentTerms: 30, StaleAfterDays: 60, AsOf: date("2026-03-31")}
}

func TestScenarioUnbilledExceptionsAndKPIs(t *testing.T) {
	ctx := context.Background()
	w := scenario(t)
	if err := Run(ctx, w.Warehouse, w.RunID, settings(), nil); err != nil {
		t.Fatal(err)
	}

	// Unbilled work, exactly.
	got := queryStrings(t, w.DB, `SELECT kind || ' ' || source_id || ' ' || amount::VARCHAR || ' ' || currency || ' ' || coalesce(rate::VARCHAR, '-')
		FROM reconcile.unbilled_work ORDER BY kind, source_id`)
	want := []string{
		"expense x1 45.90 EUR -",
		"time e2 450.00 EUR 100.0000",
		"time e3 247.50 EUR 110.0000",
		"time e5 146.66 EUR 110.0000",
		"time e9 110.00 EUR 110.0000",
	}
	assertLines(t, "unbilled", got, want)

	// Exceptions, exactly.
	got = queryStrings(t, w.DB, `SELECT kind || ' ' || array_to_string(source_ids, ',') || ' ' || amount::VARCHAR || ' ' || match_level
		FROM reconcile.exceptions ORDER BY kind`)
	want = []string{
		"double_billed e7,e8 200.00 direct_link",
		"rate_mismatch e3 11.25 rate_card",
	}
	assertLines(t, "exceptions", got, want)
	var reason string
	if err := w.DB.QueryRow(`SELECT reason FROM reconcile.exceptions WHERE kind = 'rate_mismatch'`).Scan(&reason); err != nil {
		t.Fatal(err)
	}
	const wantReason = "Time entry e3 (Kim Allen, 2026-03-05, 2.25 h on Alpha platform) carries a rate of 115.00 EUR/h, but the rate card valid on that date says 110.00 EUR/h: 11.25 EUR too much."
	if reason != wantReason {
		t.Errorf("reason\n got %s\nwant %s", reason, wantReason)
	}

	// Customers: Beta is matched across the spelling by VAT id.
	got = queryStrings(t, w.DB, `SELECT system || ' ' || source_id || ' ' || customer_id || ' ' || method FROM core.customer_identity ORDER BY system, source_id`)
	want = []string{
		"harvest 100 hubspot:1 project_code",
		"harvest 200 hubspot:2 project_code",
		"hubspot 1 hubspot:1 anchor",
		"hubspot 2 hubspot:2 anchor",
		"xero X1 hubspot:1 invoice_number",
		"xero X2 hubspot:2 vat_id",
	}
	assertLines(t, "identity", got, want)

	// KPIs per month, as of each month end.
	got = queryStrings(t, w.DB, `SELECT strftime(month, '%Y-%m') || ' ar=' || ar_end::VARCHAR || ' sales=' || gross_sales::VARCHAR
		|| ' dso=' || coalesce(dso_days::VARCHAR, 'null') || ' dso3m=' || coalesce(dso_3m_days::VARCHAR, 'null:' || dso_3m_days_reason)
		|| ' dunning=' || coalesce(dunning_rate::VARCHAR, 'null:' || dunning_rate_reason)
		FROM marts.kpi_monthly ORDER BY month`)
	want = []string{
		"2026-01 ar=1190.00 sales=1190.00 dso=31.0 dso3m=null:fewer than three months of history dunning=null:no invoice fell due in the month",
		"2026-02 ar=1666.00 sales=1666.00 dso=28.0 dso3m=null:fewer than three months of history dunning=1.0",
		"2026-03 ar=1881.00 sales=881.00 dso=66.19 dso3m=45.3 dunning=0.5",
	}
	assertLines(t, "kpi", got, want)
}

func TestModelsRunInDependencyOrder(t *testing.T) {
	models, err := Models()
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, m := range models {
		pos[m.Name] = i
	}
	for _, m := range models {
		for _, dep := range m.Deps {
			if pos[dep] >= pos[m.Name] {
				t.Errorf("%s runs before its dependency %s", m.Name, dep)
			}
		}
	}
	if pos["core.time_entries"] < pos["core.rate_cards"] || pos["reconcile.unbilled"] < pos["core.time_entries"] {
		t.Errorf("unexpected order: %v", pos)
	}
}

func TestFailingDataTestFailsTheRunLoudly(t *testing.T) {
	ctx := context.Background()
	w := scenario(t)
	u := ts("2026-03-31T12:00:00Z")
	w.Put("files", "rate_cards",
		[]any{"R9", u, "rate_cards.csv", "zzz", int64(1), "99", "Consulting", d("90"), "EUR", date("2025-01-01"), nil},
	)
	err := Run(ctx, w.Warehouse, w.RunID, settings(), nil)
	var dte *DataTestError
	if !errors.As(err, &dte) {
		t.Fatalf("err = %v, want a DataTestError", err)
	}
	if !strings.Contains(err.Error(), "core_rate_cards_resolve: 1 row(s)") || !strings.Contains(err.Error(), "project_code=99") {
		t.Fatalf("message does not name the test and the record: %v", err)
	}
	var n int
	if err := w.DB.QueryRow(`SELECT failures FROM ops.data_test_results WHERE test = 'core_rate_cards_resolve' AND run_id = $1`, w.RunID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("recorded failures = %d, %v", n, err)
	}
}

func queryStrings(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s.String)
	}
	return out
}

func assertLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
