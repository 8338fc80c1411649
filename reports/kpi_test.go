//go:build duckdb_arrow

package reports

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/config"
	"github.com/takt-billing/takt/internal/rawtest"
	"github.com/takt-billing/takt/transform"
)

// buildKPIs runs every model over a scenario as of asOf. Data tests named
// in tolerate may fail (a scenario that plants a document without an
// exchange rate fails core_invoices_have_rate on purpose); any other
// failure fails the test.
func buildKPIs(t *testing.T, w *rawtest.Warehouse, asOf time.Time, tolerate ...string) {
	t.Helper()
	s := transform.Settings{BaseCurrency: "EUR", HomeCountry: "DE", StandardVAT: "19", PaymentTerms: 30, StaleAfterDays: 60, AsOf: asOf}
	err := transform.Run(context.Background(), w.Warehouse, w.RunID, s, nil)
	var dte *transform.DataTestError
	if errors.As(err, &dte) {
		for _, f := range dte.Failures {
			ok := false
			for _, name := range tolerate {
				ok = ok || f.Test == name
			}
			if !ok {
				t.Fatalf("data test %s failed: %d row(s), e.g. %s", f.Test, f.Failures, f.Sample)
			}
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
}

// rebuildMarts runs the marts models again, after a test changed what
// they read.
func rebuildMarts(t *testing.T, w *rawtest.Warehouse) {
	t.Helper()
	models, err := transform.Models()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range models {
		if strings.HasPrefix(m.Name, "marts.") {
			if _, err := w.DB.Exec(m.SQL); err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
		}
	}
}

// figureLine renders a month's KPIs in definition order, each value with
// the decimals of its unit and "-" for undefined ones.
func figureLine(t *testing.T, r KPIRow) string {
	t.Helper()
	parts := []string{r.Month.Format("2006-01")}
	for _, d := range r.Definitions {
		v, ok := r.Figures[d.Name]
		if !ok {
			t.Fatalf("%s: no figure %s", r.Month.Format("2006-01"), d.Name)
		}
		parts = append(parts, fmtFigure(v, d.Unit))
	}
	return strings.Join(parts, " ")
}

func fmtFigure(v KPIValue, unit string) string {
	if !v.Value.Valid {
		return "-"
	}
	if unit == UnitShare {
		return v.Value.Decimal.StringFixed(4)
	}
	return v.Value.Decimal.StringFixed(2)
}

func assertFigures(t *testing.T, rows []KPIRow, want []string) {
	t.Helper()
	var got []string
	for _, r := range rows {
		got = append(got, figureLine(t, r))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("figures (in definition order):\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func reasonOf(t *testing.T, r KPIRow, name string) string {
	t.Helper()
	v := r.Figures[name]
	if v.Value.Valid {
		t.Fatalf("%s %s = %s, want undefined", r.Month.Format("2006-01"), name, v.Value.Decimal)
	}
	return v.Reason
}

// The worked example of KPIS.md: AR 300 explained by October's 120 (31
// days), September's 100 (30 days) and 80 of August's 150 (16.53 days).
func TestCountbackDSOWorkedExample(t *testing.T) {
	w := rawtest.CountbackScenario(t)
	buildKPIs(t, w, rawtest.CountbackScenarioAsOf)
	rows, err := LoadKPIs(context.Background(), w.DB, rawtest.CountbackScenarioAsOf)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(rows))
	for i, r := range rows {
		got[i] = fmt.Sprintf("%s ar=%s sales=%s dso=%s dso3m=%s countback=%s short=%v", r.Month.Format("2006-01"), r.AREnd.StringFixed(2),
			r.GrossSales.StringFixed(2), fmtFigure(r.Figures["dso_days"], UnitDays), fmtFigure(r.Figures["dso_3m_days"], UnitDays),
			fmtFigure(r.Figures["dso_countback_days"], UnitDays), r.CountbackHistoryTooShort)
	}
	want := []string{
		"2025-08 ar=150.00 sales=150.00 dso=31.00 dso3m=- countback=31.00 short=false",
		"2025-09 ar=250.00 sales=100.00 dso=75.00 dso3m=- countback=61.00 short=false",
		"2025-10 ar=300.00 sales=120.00 dso=77.50 dso3m=74.59 countback=77.53 short=false",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if why := reasonOf(t, rows[1], "dso_3m_days"); why != "fewer than three months of history" {
		t.Errorf("dso_3m_days reason = %q", why)
	}
}

// Receivables that the history of sales cannot explain give the partial
// countback figure, flagged.
func TestCountbackDSOHistoryTooShort(t *testing.T) {
	w := rawtest.ShortHistoryScenario(t)
	buildKPIs(t, w, rawtest.ShortHistoryScenarioAsOf)
	rows, err := LoadKPIs(context.Background(), w.DB, rawtest.ShortHistoryScenarioAsOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d months, want 1", len(rows))
	}
	r := rows[0]
	if got := fmt.Sprintf("ar=%s sales=%s dso=%s countback=%s short=%v", r.AREnd.StringFixed(2), r.GrossSales.StringFixed(2),
		fmtFigure(r.Figures["dso_days"], UnitDays), fmtFigure(r.Figures["dso_countback_days"], UnitDays), r.CountbackHistoryTooShort); got != "ar=100.00 sales=40.00 dso=77.50 countback=31.00 short=true" {
		t.Errorf("got %s", got)
	}
}

// setTaktLines makes reconcile.takt_invoice_lines (the billing runs'
// contract view) hold the given lines and rebuilds the marts.
func setTaktLines(t *testing.T, w *rawtest.Warehouse, values string) {
	t.Helper()
	if _, err := w.DB.Exec(`CREATE OR REPLACE VIEW reconcile.takt_invoice_lines AS
		SELECT * FROM (VALUES ` + values + `) AS t(run_id, invoice_number, line_key, amount, currency, manually_changed)`); err != nil {
		t.Fatal(err)
	}
	rebuildMarts(t, w)
}

// The edge scenario (internal/rawtest/kpi.go) is built once for the
// tests that read it; the test of definitions, which records some, runs
// last.
func TestEdgeScenarioKPIs(t *testing.T) {
	w := rawtest.EdgeScenario(t)
	buildKPIs(t, w, rawtest.EdgeScenarioAsOf, "core_invoices_have_rate")
	setTaktLines(t, w, `('run-1', 'H-0002', 'L71', 150.00::DECIMAL(18,2), 'EUR', false),
		('run-1', 'H-0002', 'L72', 50.00::DECIMAL(18,2), 'EUR', true),
		('run-2', 'INV-0008', 'L81', 2000.00::DECIMAL(18,2), 'EUR', false)`)
	t.Run("every KPI of every month", func(t *testing.T) { testEveryKPI(t, w) })
	t.Run("explain", func(t *testing.T) { testExplainKPIs(t, w) })
	t.Run("per customer", func(t *testing.T) { testCustomerKPIs(t, w) })
	t.Run("baselines, targets and definitions", func(t *testing.T) { testBaselinesTargetsAndDefinitions(t, w) })
}

// Every KPI of every month of the edge scenario, computed by hand in its
// documentation (internal/rawtest/kpi.go).
func testEveryKPI(t *testing.T, w *rawtest.Warehouse) {
	ctx := context.Background()
	rows, err := LoadKPIs(ctx, w.DB, rawtest.EdgeScenarioAsOf)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range rows[0].Definitions {
		names = append(names, d.Name)
	}
	if got := strings.Join(names, " "); got != "dso_days dso_3m_days dso_countback_days best_possible_dso_days average_days_delinquent cei_percent "+
		"ar_aging_not_due ar_aging_1_30 ar_aging_31_60 ar_aging_61_90 ar_aging_over_90 "+
		"time_to_invoice_median_days time_to_invoice_p90_days time_to_invoice_mean_days invoiced_within_5_working_days "+
		"unbilled_amount correction_rate correction_rate_amount "+
		"dunning_rate dunning_rate_level_1 dunning_rate_level_2 dunning_rate_level_3 dunning_fees automation_share automation_share_amount" {
		t.Fatalf("definitions: %s", got)
	}
	// Columns: see kpiOrder.
	assertFigures(t, rows, []string{
		"2026-01 25.10 - 25.10 25.10 0.00 100.00 1700.00 0.00 0.00 0.00 0.00 17.50 25.90 27.16 - 0.00 0.5000 0.4643 - - - - 0.00 - 0.0000",
		"2026-02 - - 45.71 - - 29.41 0.00 1200.00 0.00 0.00 0.00 - - - 0.0000 240.00 - - 0.6667 0.6667 0.6667 0.3333 5.00 - -",
		"2026-03 45.63 49.95 67.86 31.00 14.63 50.00 1271.00 0.00 600.00 0.00 0.00 - - - 0.3636 790.00 0.0000 0.0000 - - - - 15.00 - 0.0000",
		"2026-04 50.58 97.82 94.34 25.50 25.08 10.68 2023.00 1390.00 0.00 600.00 0.00 9.00 27.40 6.70 0.0000 540.00 1.0000 1.0000 1.0000 1.0000 1.0000 0.5000 0.00 0.6667 0.9773",
		"2026-05 336.96 18.55 39.58 -22.46 359.42 80.64 -50.00 0.00 200.00 0.00 600.00 - - - - 1040.00 0.0000 0.0000 0.0000 0.0000 0.0000 0.0000 17.00 - 0.0000",
		"2026-06 93.03 35.90 69.58 15.80 77.23 0.00 188.00 119.00 0.00 200.00 600.00 - - - - 1040.00 0.0000 0.0000 1.0000 1.0000 1.0000 0.0000 5.00 - 0.0000",
	})

	jan, feb, mar, apr, jun := rows[0], rows[1], rows[2], rows[3], rows[5]
	// Base figures: a payment after the month end (I2, 2026-02-02) leaves
	// January's AR; the partial payment of I1 reduces it; the draft and
	// the voided invoice never count.
	if got := fmt.Sprintf("ar=%s sales=%s invoices=%d", jan.AREnd.StringFixed(2), jan.GrossSales.StringFixed(2), jan.InvoicesIssued); got != "ar=1700.00 sales=2100.00 invoices=3" {
		t.Errorf("January: %s", got)
	}
	if got := fmt.Sprintf("begin=%s current=%s credit_notes=%d", mar.ARBegin.StringFixed(2), mar.CurrentAREnd.StringFixed(2), mar.CreditNotesIssued); got != "begin=1200.00 current=1271.00 credit_notes=1" {
		t.Errorf("March: %s", got)
	}
	for _, c := range []struct {
		r          KPIRow
		name, want string
	}{
		{feb, "dso_days", "no sales in the month"},
		{feb, "best_possible_dso_days", "no sales in the month"},
		{feb, "dso_3m_days", "fewer than three months of history"},
		{jan, "dunning_rate", "no invoice fell due in the month"},
		{feb, "correction_rate", "no invoice was issued in the month"},
		{mar, "time_to_invoice_median_days", "no work item was invoiced in the month"},
		{jan, "invoiced_within_5_working_days", "no approved time-and-materials work in the month"},
		{jun, "invoiced_within_5_working_days", "the fifth working day after the month end (2026-07-07) has not passed yet"},
		{mar, "automation_share", "no invoice line was issued in the month"},
	} {
		if got := reasonOf(t, c.r, c.name); got != c.want {
			t.Errorf("%s %s: reason %q, want %q", c.r.Month.Format("2006-01"), c.name, got, c.want)
		}
	}
	// A correction rate younger than 90 days is provisional; March's
	// ended 90 days before the as-of day.
	for i, want := range []bool{false, false, false, true, true, true} {
		if got := rows[i].Figures["correction_rate"].Provisional; got != want {
			t.Errorf("%s correction_rate provisional = %v, want %v", rows[i].Month.Format("2006-01"), got, want)
		}
	}
	if apr.Figures["dso_days"].Provisional {
		t.Error("April's DSO is final")
	}
	if got := fmt.Sprintf("%v %s %s %d", mar.InvoiceDeadline.Format(time.DateOnly), mar.TMHoursWithin, mar.TMHours, apr.ItemsInvoiced); got != "2026-04-07 2 5.5 3" {
		t.Errorf("March deadline, hours, April items: %s", got)
	}
	var buckets []string
	for _, r := range rows {
		buckets = append(buckets, fmt.Sprintf("%s/%s/%s/%s", r.UnbilledByAge["0_30"].StringFixed(2), r.UnbilledByAge["31_60"].StringFixed(2),
			r.UnbilledByAge["61_90"].StringFixed(2), r.UnbilledByAge["over_90"].StringFixed(2)))
	}
	if got := strings.Join(buckets, " "); got != "0.00/0.00/0.00/0.00 240.00/0.00/0.00/0.00 550.00/240.00/0.00/0.00 100.00/200.00/240.00/0.00 500.00/100.00/200.00/240.00 0.00/500.00/100.00/440.00" {
		t.Errorf("unbilled by age: %s", got)
	}
	if got := fmt.Sprint(feb.InvoicesDue, feb.InvoicesDunned, feb.InvoicesDunnedByLevel, apr.LinesIssued, apr.TaktLines, apr.InvoicesChecked, apr.InvoicesCorrected); got != "3 2 [2 2 1] 3 2 2 2" {
		t.Errorf("counts: %s", got)
	}
}

// Baselines are the median of the first three complete months with a
// final value, or the configured value; targets come with their owner.
func testBaselinesTargetsAndDefinitions(t *testing.T, w *rawtest.Warehouse) {
	ctx := context.Background()
	defs, err := LoadKPIDefinitions(ctx, w.DB, KPISettings{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]KPIDefinition{}
	for _, d := range defs {
		byName[d.Name] = d
	}
	// DSO: January 25.10, (February undefined), March 45.63, April 50.58.
	// CEI: 100.00, 29.41, 50.00. Correction rate: only January and March
	// are final (April's is provisional).
	for _, c := range []struct{ name, want string }{
		{"dso_days", "45.63 median of 2026-01, 2026-03, 2026-04"},
		{"cei_percent", "50.00 median of 2026-01, 2026-02, 2026-03"},
		{"correction_rate", "- fewer than three complete months with a value (2 so far)"},
		{"unbilled_amount", "240.00 median of 2026-01, 2026-02, 2026-03"},
	} {
		d := byName[c.name]
		got := fmtFigure(d.Baseline, d.Unit) + " " + d.BaselineSource
		if !d.Baseline.Value.Valid {
			got = "- " + d.Baseline.Reason
		}
		if got != c.want {
			t.Errorf("%s baseline: %q, want %q", c.name, got, c.want)
		}
		if d.Target != nil || d.Version != 1 || !d.ValidFrom.IsZero() {
			t.Errorf("%s: target %v, version %d, valid from %v", c.name, d.Target, d.Version, d.ValidFrom)
		}
	}

	settings := KPISettings{
		Baselines: map[string]decimal.Decimal{"dso_days": decimal.RequireFromString("40")},
		Targets: map[string]KPITarget{
			"dso_days":     {Value: decimal.RequireFromString("30"), OwnerRole: "Head of Receivables"},
			"dunning_rate": {Value: decimal.RequireFromString("0.15"), OwnerRole: "Credit controller"},
		},
	}
	t0 := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	defs, err = RecordKPIDefinitions(ctx, w.DB, settings, t0)
	if err != nil {
		t.Fatal(err)
	}
	var dso KPIDefinition
	for _, d := range defs {
		if !d.ValidFrom.Equal(t0) {
			t.Errorf("%s valid from %v, want %v", d.Name, d.ValidFrom, t0)
		}
		if d.Name == "dso_days" {
			dso = d
		}
	}
	if got := fmt.Sprintf("%s %s %s %s", dso.Baseline.Value.Decimal, dso.BaselineSource, dso.Target.Value, dso.Target.OwnerRole); got != "40 configured 30 Head of Receivables" {
		t.Errorf("dso_days: %s", got)
	}
	if dso.Settings != `{"kpi":"dso_days","definition_version":1,"base_currency":"EUR","baseline":"40","target":{"value":"30","owner_role":"Head of Receivables"}}` {
		t.Errorf("settings: %s", dso.Settings)
	}
	// Recording the same definitions again adds nothing.
	if _, err := RecordKPIDefinitions(ctx, w.DB, settings, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// A new target is a new definition of that KPI only.
	settings.Targets["dso_days"] = KPITarget{Value: decimal.RequireFromString("28"), OwnerRole: "Head of Receivables"}
	t1 := t0.Add(24 * time.Hour)
	if _, err := RecordKPIDefinitions(ctx, w.DB, settings, t1); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := w.DB.QueryRow(`SELECT count(*) FROM ops.kpi_definitions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(defs)+1 {
		t.Errorf("%d recorded definitions, want %d", n, len(defs)+1)
	}
	hist, err := KPIDefinitionHistory(ctx, w.DB, "dso_days")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || !hist[0].ValidFrom.Equal(t0) || !hist[1].ValidFrom.Equal(t1) || hist[0].SettingsHash == hist[1].SettingsHash ||
		!strings.Contains(hist[1].Settings, `"value":"28"`) {
		t.Errorf("dso_days history: %+v", hist)
	}
	// A holiday list (written by the run into ops.settings) is a new
	// definition of the KPI that counts working days, and of no other.
	if _, err := w.DB.Exec(`INSERT INTO ops.settings (key, value) VALUES ('holidays', '2026-04-03,2026-04-06')
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`); err != nil {
		t.Fatal(err)
	}
	t2 := t1.Add(time.Hour)
	defs2, err := RecordKPIDefinitions(ctx, w.DB, settings, t2)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs2 {
		switch {
		case d.Name == "invoiced_within_5_working_days":
			if !d.ValidFrom.Equal(t2) || !strings.Contains(d.Settings, `"holidays":["2026-04-03","2026-04-06"]`) {
				t.Errorf("%s: valid from %v, settings %s", d.Name, d.ValidFrom, d.Settings)
			}
		case strings.Contains(d.Settings, "holidays") || d.ValidFrom.Equal(t2):
			t.Errorf("%s changed with the holidays: valid from %v, settings %s", d.Name, d.ValidFrom, d.Settings)
		}
	}
	if _, err := w.DB.Exec(`DELETE FROM ops.kpi_definitions WHERE valid_from = $1`, t2); err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB.Exec(`UPDATE ops.settings SET value = '' WHERE key = 'holidays'`); err != nil {
		t.Fatal(err)
	}
	// Figures loaded with the settings carry the definition in force.
	rows, err := LoadKPIsWith(ctx, w.DB, rawtest.EdgeScenarioAsOf, settings)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range rows[len(rows)-1].Definitions {
		want := t0
		if d.Name == "dso_days" {
			want = t1
		}
		if !d.ValidFrom.Equal(want) {
			t.Errorf("%s valid from %v, want %v", d.Name, d.ValidFrom, want)
		}
	}
	// Without the settings the figures were not produced by a recorded
	// definition of dso_days.
	defs, err = LoadKPIDefinitions(ctx, w.DB, KPISettings{})
	if err != nil {
		t.Fatal(err)
	}
	if !defs[0].ValidFrom.IsZero() {
		t.Errorf("dso_days without settings: valid from %v", defs[0].ValidFrom)
	}
}

// The KPI layer keeps amounts exact: marts.to_base converts as
// staging.div_cents does, and marts.div2 and div4 round half away from
// zero where a double would not.
func TestMartArithmetic(t *testing.T) {
	w := rawtest.Scenario(t)
	buildKPIs(t, w, rawtest.ScenarioAsOf)
	testConfigKnowsEveryKPI(t, w)
	var mismatches int
	if err := w.DB.QueryRow(`SELECT count(*) FROM (
			SELECT (i * 7919 % 100000000)::DECIMAL(18,4) / 100 - 250000 AS a, (0.5 + (i % 997) / 1000.0)::DECIMAL(18,6) AS r
			FROM range(20000) t(i)
		) WHERE marts.to_base(a, r) IS DISTINCT FROM staging.div_cents(a, r)`).Scan(&mismatches); err != nil {
		t.Fatal(err)
	}
	if mismatches != 0 {
		t.Errorf("marts.to_base differs from staging.div_cents on %d of 20000 amounts", mismatches)
	}
	var got string
	if err := w.DB.QueryRow(`SELECT concat_ws(' ', marts.div2(1.005, 1), marts.div2(-1.005, 1), marts.div2(2, 3), marts.div4(1, 3), marts.div4(2, 3),
			coalesce(marts.div2(1, 0)::VARCHAR, 'null'), marts.working_day_after(DATE '2026-03-31', 5, []::DATE[]), marts.working_day_after(DATE '2026-01-31', 5, []::DATE[]),
			marts.working_day_after(DATE '2026-03-31', 5, [DATE '2026-04-03', DATE '2026-04-06']),
			marts.to_base(850, 0.85), marts.to_base(-100, 3))`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "1.01 -1.01 0.67 0.3333 0.6667 null 2026-04-07 2026-02-06 2026-04-09 1000.00 -33.33" {
		t.Errorf("got %s", got)
	}
}

// recordLines renders explanation records compactly: section, kind, id,
// number, amount_base, days, value, note.
func recordLines(e Explanation) []string {
	var out []string
	for _, r := range e.Records {
		base := "-"
		if r.AmountBase.Valid {
			base = r.AmountBase.Decimal.StringFixed(2)
		}
		days := "-"
		if r.Days.Valid {
			days = fmt.Sprint(r.Days.Int64)
		}
		out = append(out, strings.Join([]string{r.Section, r.Kind, r.ID, r.Number, base, days, r.Value, r.Note}, " | "))
	}
	return out
}

// takt kpi explain lists the records behind a figure and ends with the
// arithmetic that a controller can redo by hand.
func testExplainKPIs(t *testing.T, w *rawtest.Warehouse) {
	ctx := context.Background()
	month := func(s string) time.Time { return rawtest.Date(s + "-01") }
	cases := []struct {
		month, kpi string
		records    []string
		arithmetic []string
	}{
		{"2026-03", "dso_days", []string{
			"open at 2026-03-31 | credit_note | CN1 | CN-0001 | -119.00 | - | not_due | rate booked",
			"open at 2026-03-31 | invoice | I5 | INV-0005 | 1190.00 | 0 | not_due | rate booked",
			"open at 2026-03-31 | invoice | I6 | INV-0006 | 200.00 | 0 | not_due | rate booked on H-0001 of 2026-01-12",
			"open at 2026-03-31 | invoice | I3 | INV-0003 | 600.00 | 51 | 31_60 | rate booked",
			"issued in 2026-03 | credit_note | CN1 | CN-0001 | -119.00 | - |  | rate booked",
			"issued in 2026-03 | invoice | I5 | INV-0005 | 1190.00 | - |  | rate booked",
			"issued in 2026-03 | invoice | I6 | INV-0006 | 200.00 | - |  | rate booked on H-0001 of 2026-01-12",
		}, []string{
			"AR_end = sum of amount_base open at the month end = 1871.00 EUR",
			"current AR_end = the part not yet due (bucket not_due) = 1271.00 EUR",
			"gross_sales = sum of amount_base issued in 2026-03 = 1271.00 EUR",
			"dso_days = AR_end / gross_sales x days = 1871.00 / 1271.00 x 31 = 45.63",
		}},
		{"2026-04", "dso_countback_days", nil, []string{
			"AR_end = 4013.00 EUR; walk back month by month:",
			"2026-04: remaining 4013.00 >= sales 2380.00: all 30 days, 1633.00 remain",
			"2026-03: remaining 1633.00 >= sales 1271.00: all 31 days, 362.00 remain",
			"2026-02: remaining 362.00 >= sales 0.00: all 28 days, 362.00 remain",
			"2026-01: remaining 362.00 < sales 2100.00: 362.00 / 2100.00 x 31 = 5.3438 days",
			"dso_countback_days = 30.0000 + 31.0000 + 28.0000 + 5.3438 = 94.34",
		}},
		{"2026-02", "dso_days", nil, []string{
			"AR_end = sum of amount_base open at the month end = 1200.00 EUR",
			"current AR_end = the part not yet due (bucket not_due) = 0.00 EUR",
			"gross_sales = sum of amount_base issued in 2026-02 = 0.00 EUR",
			"dso_days = AR_end / gross_sales x days = 1200.00 / 0.00 x 28 = undefined",
			"dso_days is undefined: no sales in the month",
		}},
		{"2026-04", "cei_percent", nil, []string{
			"AR_begin = AR open at the end of 2026-03 = 1871.00 EUR",
			"gross_sales = 2380.00 EUR; AR_end = 4013.00 EUR; current AR_end = 2023.00 EUR",
			"cei_percent = (1871.00 + 2380.00 - 4013.00) / (1871.00 + 2380.00 - 2023.00) x 100 = 238.00 / 2228.00 x 100 = 10.68",
		}},
		{"2026-01", "correction_rate", []string{
			"issued in 2026-01 | invoice | I1 | INV-0001 | 1000.00 | - | not corrected | PAID",
			"issued in 2026-01 | invoice | V1 | INV-0002 | 700.00 | 1 | corrected | voided on 2026-01-09",
			"issued in 2026-01 | invoice | I3 | INV-0003 | 600.00 | 53 | corrected | credit note CN-0001 on 2026-03-03",
			"issued in 2026-01 | invoice | I2 | H-0001 | 500.00 | - | not corrected | PAID",
		}, []string{"correction_rate = corrected / issued = 2 / 4 = 0.5000"}},
		{"2026-04", "correction_rate_amount", []string{
			"issued in 2026-04 | invoice | I7 | H-0002 | 238.00 | 31 | corrected | replacement INV-0010 on 2026-05-04",
			"issued in 2026-04 | invoice | I8 | INV-0008 | 2380.00 | 20 | corrected | credit note CN-0002 on 2026-04-30",
		}, []string{
			"correction_rate_amount = corrected gross / issued gross = 2618.00 / 2618.00 = 1.0000",
			"provisional: invoices of the month can still be corrected (90 days after the month end have not passed)",
		}},
		{"2026-04", "time_to_invoice_p90_days", []string{
			"invoiced in 2026-04 | milestone | M1 | INV-0008 | 2000.00 | 4 | 0.0000 | Gamma portal",
			"invoiced in 2026-04 | time | t4 | H-0003 | 150.00 | 9 | 1.5000 | Gamma support",
			"invoiced in 2026-04 | time | t2 | H-0002 | 200.00 | 32 | 2.0000 | Gamma support",
		}, []string{"90th percentile of the days of the 3 work items: rank (n-1) x 0.9 = 1.8, interpolated between its neighbours = 27.40"}},
		{"2026-01", "time_to_invoice_mean_days", nil, []string{
			"sum of days x amount_base = 13580.00; sum of amount_base = 500.00 EUR",
			"time_to_invoice_mean_days = 13580.00 / 500.00 = 27.16",
		}},
		{"2026-03", "invoiced_within_5_working_days", []string{
			"worked in 2026-03, deadline 2026-04-07 | time | t2 | H-0002 | - | 32 | 2.0000 | invoiced by the deadline",
			"worked in 2026-03, deadline 2026-04-07 | time | t3 |  | - | - | 2.0000 | not invoiced",
			"worked in 2026-03, deadline 2026-04-07 | time | t4 | H-0003 | - | 9 | 1.5000 | invoiced after the deadline",
		}, []string{
			"hours invoiced by 2026-04-07 (the 5th working day, Monday to Friday, after the month end) = 2 of 5.5",
			"invoiced_within_5_working_days = 2 / 5.5 = 0.3636",
		}},
		{"2026-03", "unbilled_amount", []string{
			"unbilled at 2026-03-31 | time | t7 |  | 240.00 | 49 | 31_60 | Delta rollout",
			"unbilled at 2026-03-31 | time | t2 |  | 200.00 | 29 | 0_30 | Gamma support",
			"unbilled at 2026-03-31 | time | t3 |  | 200.00 | 1 | 0_30 | Gamma support",
			"unbilled at 2026-03-31 | time | t4 |  | 150.00 | 0 | 0_30 | Gamma support",
		}, []string{
			"by age: 0_30 550.00, 31_60 240.00, 61_90 0.00, over_90 0.00",
			"unbilled_amount = sum of amount_base of the 4 items = 790.00",
		}},
		{"2026-02", "dunning_rate_level_3", []string{
			"due in 2026-02 | invoice | I1 | INV-0001 | - | - | 2 | N1 (level 1, 2026-02-11), N3 (level 2, 2026-02-25)",
			"due in 2026-02 | invoice | I3 | INV-0003 | - | - | 3 | N2 (level 1, 2026-02-15), N4 (level 2, 2026-03-01), N5 (level 3, 2026-03-15)",
			"due in 2026-02 | invoice | I2 | H-0001 | - | - | 0 | no notice",
		}, []string{"dunning_rate_level_3 = invoices due in the month with a notice of level 3 / invoices due = 1 / 3 = 0.3333"}},
		{"2026-05", "dunning_fees", []string{
			"sent in 2026-05 | dunning notice | N8 | INV-0005 | 5.00 | - | 2 | ",
			"sent in 2026-05 | dunning notice | N9 | INV-0006 | 4.00 | - | 2 | ",
			"sent in 2026-05 | dunning notice | N10 | INV-0006 | 8.00 | - | 3 | ",
		}, []string{"dunning_fees = sum of amount_base of the 3 notices sent in the month = 17.00"}},
		{"2026-04", "automation_share_amount", []string{
			"issued in 2026-04 | invoice | I7 | H-0002 | 200.00 | - | 1/2 | from takt unchanged: 150.00; 1 line(s) changed by hand",
			"issued in 2026-04 | invoice | I8 | INV-0008 | 2000.00 | - | 1/1 | from takt unchanged: 2000.00",
		}, []string{"automation_share_amount = net from takt unchanged / net = 2150.00 / 2200.00 = 0.9773"}},
		{"2026-06", "ar_aging_over_90", nil, []string{"ar_aging_over_90 = sum of amount_base of the documents in bucket over_90 = 600.00"}},
	}
	for _, c := range cases {
		e, err := ExplainKPI(ctx, w.DB, month(c.month), c.kpi, KPISettings{})
		if err != nil {
			t.Fatalf("%s %s: %v", c.month, c.kpi, err)
		}
		if c.records != nil {
			if got := recordLines(e); strings.Join(got, "\n") != strings.Join(c.records, "\n") {
				t.Errorf("%s %s records:\n got:\n  %s\nwant:\n  %s", c.month, c.kpi, strings.Join(got, "\n  "), strings.Join(c.records, "\n  "))
			}
		}
		if strings.Join(e.Arithmetic, "\n") != strings.Join(c.arithmetic, "\n") {
			t.Errorf("%s %s arithmetic:\n got:\n  %s\nwant:\n  %s", c.month, c.kpi, strings.Join(e.Arithmetic, "\n  "), strings.Join(c.arithmetic, "\n  "))
		}
	}
	if _, err := ExplainKPI(ctx, w.DB, month("2026-03"), "dso", KPISettings{}); !errors.Is(err, ErrUnknownKPI) || !strings.Contains(err.Error(), `unknown KPI "dso"; expected one of ar_aging_1_30,`) {
		t.Errorf("unknown KPI: %v", err)
	}
}

// Per customer: the month's figures split by customer, adding up.
func testCustomerKPIs(t *testing.T, w *rawtest.Warehouse) {
	ctx := context.Background()
	list, err := LoadCustomerKPIs(ctx, w.DB, rawtest.Date("2026-03-01"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range list {
		got = append(got, fmt.Sprintf("%s ar=%s over_due=%s sales=%s dso=%s best=%s dunning=%s corrected=%s unbilled=%s", c.Customer, c.AREnd.StringFixed(2),
			c.AREnd.Sub(c.ARAging["not_due"]).StringFixed(2), c.GrossSales.StringFixed(2), fmtFigure(c.DSODays, UnitDays),
			fmtFigure(c.BestPossibleDSODays, UnitDays), fmtFigure(c.DunningRate, UnitShare), fmtFigure(c.CorrectionRate, UnitShare),
			fmtFigure(c.UnbilledAmount, UnitMoney)))
	}
	// Delta: AR I6 200 (not due), sales 200, DSO 200/200*31 = 31.00;
	// unbilled t7 240. Gamma: AR 600 (I3, 51 days) - 119 + 1190 = 1671,
	// sales 1071, DSO 1671/1071*31 = 48.37, best 1071/1071*31 = 31.00;
	// unbilled t2, t3, t4 = 550. Nothing fell due in March.
	want := []string{
		"Delta Inc ar=200.00 over_due=0.00 sales=200.00 dso=31.00 best=31.00 dunning=- corrected=0.0000 unbilled=240.00",
		"Gamma GmbH ar=1671.00 over_due=600.00 sales=1071.00 dso=48.37 best=31.00 dunning=- corrected=0.0000 unbilled=550.00",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if list[0].DunningRate.Reason != "no invoice of the customer fell due in the month" {
		t.Errorf("reason: %q", list[0].DunningRate.Reason)
	}
}

// The configuration knows exactly the KPIs the SQL layer defines, with
// the same units.
func testConfigKnowsEveryKPI(t *testing.T, w *rawtest.Warehouse) {
	t.Helper()
	defs, err := LoadKPIDefinitions(context.Background(), w.DB, KPISettings{})
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) != len(config.KPIUnits) {
		t.Errorf("%d KPIs in SQL, %d in the configuration", len(defs), len(config.KPIUnits))
	}
	for _, d := range defs {
		if config.KPIUnits[d.Name] != d.Unit {
			t.Errorf("%s: unit %q in SQL, %q in the configuration", d.Name, d.Unit, config.KPIUnits[d.Name])
		}
	}
}
