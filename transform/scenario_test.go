//go:build duckdb_arrow

package transform

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/dbtest"
	"github.com/takt-billing/takt/internal/rawtest"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

var (
	date = rawtest.Date
	ts   = rawtest.Time
)

func settings() Settings {
	return Settings{BaseCurrency: "EUR", HomeCountry: "DE", StandardVAT: "19", PaymentTerms: 30, StaleAfterDays: 60, AsOf: date("2026-03-31")}
}

func TestScenarioUnbilledExceptionsAndKPIs(t *testing.T) {
	ctx := context.Background()
	w := rawtest.Scenario(t)
	if err := Run(ctx, w.Warehouse, w.RunID, settings(), nil); err != nil {
		t.Fatal(err)
	}

	// Unbilled work, exactly.
	got := dbtest.Strings(t, w.DB, `SELECT kind || ' ' || source_id || ' ' || amount::VARCHAR || ' ' || currency || ' ' || coalesce(rate::VARCHAR, '-')
		FROM reconcile.unbilled_work ORDER BY kind, source_id`)
	want := []string{
		"expense x1 45.90 EUR -",
		"time e2 450.00 EUR 100.0000",
		"time e3 247.50 EUR 110.0000",
		"time e5 146.66 EUR 110.0000",
		"time e9 110.00 EUR 110.0000",
	}
	dbtest.Lines(t, "unbilled", got, want)

	// Exceptions, exactly.
	got = dbtest.Strings(t, w.DB, `SELECT kind || ' ' || array_to_string(source_ids, ',') || ' ' || amount::VARCHAR || ' ' || match_level
		FROM reconcile.exceptions ORDER BY kind`)
	want = []string{
		"double_billed e7,e8 200.00 direct_link",
		"rate_mismatch e3 11.25 rate_card",
	}
	dbtest.Lines(t, "exceptions", got, want)
	var reason string
	if err := w.DB.QueryRow(`SELECT reason FROM reconcile.exceptions WHERE kind = 'rate_mismatch'`).Scan(&reason); err != nil {
		t.Fatal(err)
	}
	const wantReason = "Time entry e3 (Kim Allen, 2026-03-05, 2.25 h on Alpha platform) carries a rate of 115.00 EUR/h, but the rate card valid on that date says 110.00 EUR/h: 11.25 EUR too much."
	if reason != wantReason {
		t.Errorf("reason\n got %s\nwant %s", reason, wantReason)
	}
	if err := w.DB.QueryRow(`SELECT reason FROM reconcile.exceptions WHERE kind = 'double_billed'`).Scan(&reason); err != nil {
		t.Fatal(err)
	}
	const wantDouble = "Time entry e8 (Kim Allen, 2026-01-20, 2.00 h on Alpha platform) repeats entry e7: both come from the issue tracker item JIRA-1 and both are billed (on invoice H-0001), so the customer is charged twice for the same work."
	if reason != wantDouble {
		t.Errorf("reason\n got %s\nwant %s", reason, wantDouble)
	}

	// Customers: Beta is matched across the spelling by VAT id.
	got = dbtest.Strings(t, w.DB, `SELECT system || ' ' || source_id || ' ' || customer_id || ' ' || method FROM core.customer_identity ORDER BY system, source_id`)
	want = []string{
		"harvest 100 hubspot:1 project_code",
		"harvest 200 hubspot:2 project_code",
		"hubspot 1 hubspot:1 anchor",
		"hubspot 2 hubspot:2 anchor",
		"xero X1 hubspot:1 invoice_number",
		"xero X2 hubspot:2 vat_id",
	}
	dbtest.Lines(t, "identity", got, want)

	// KPIs per month, as of each month end.
	got = dbtest.Strings(t, w.DB, `SELECT strftime(month, '%Y-%m') || ' ar=' || ar_end::VARCHAR || ' sales=' || gross_sales::VARCHAR
		|| ' dso=' || coalesce(dso_days::VARCHAR, 'null') || ' dso3m=' || coalesce(dso_3m_days::VARCHAR, 'null:' || dso_3m_days_reason)
		|| ' dunning=' || coalesce(dunning_rate::VARCHAR, 'null:' || dunning_rate_reason)
		FROM marts.kpi_monthly ORDER BY month`)
	want = []string{
		"2026-01 ar=1190.00 sales=1190.00 dso=31.0 dso3m=null:fewer than three months of history dunning=null:no invoice fell due in the month",
		"2026-02 ar=1666.00 sales=1666.00 dso=28.0 dso3m=null:fewer than three months of history dunning=1.0",
		"2026-03 ar=1881.00 sales=881.00 dso=66.19 dso3m=45.3 dunning=0.5",
	}
	dbtest.Lines(t, "kpi", got, want)
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
	w := rawtest.Scenario(t)
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
