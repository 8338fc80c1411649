//go:build duckdb_arrow

package incident

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/rawtest"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/load"
	"github.com/takt-billing/takt/transform"
)

// ledger records runs through the loader's own ledger code.
type ledger struct {
	t  *testing.T
	l  *load.Loader
	wh *warehouse.Warehouse
}

// run records one finished run; streams maps source.stream to its error
// ("" = loaded).
func (lg ledger) run(status string, streams ...string) int64 {
	lg.t.Helper()
	ctx := context.Background()
	id, err := lg.l.StartRun(ctx, "schedule")
	if err != nil {
		lg.t.Fatal(err)
	}
	for i := 0; i+1 < len(streams); i += 2 {
		source, stream, _ := strings.Cut(streams[i], ".")
		if err := lg.l.StartStream(ctx, id, source, stream); err != nil {
			lg.t.Fatal(err)
		}
		var serr error
		if streams[i+1] != "" {
			serr = errors.New(streams[i+1])
		}
		if err := lg.l.FinishStream(ctx, id, source, stream, serr); err != nil {
			lg.t.Fatal(err)
		}
	}
	msg := ""
	if status != load.RunSucceeded {
		msg = "harvest: time_entries page 1: source unreachable"
	}
	if err := lg.l.FinishRun(ctx, id, status, msg); err != nil {
		lg.t.Fatal(err)
	}
	return id
}

func (lg ledger) month(run int64) string {
	var m string
	if err := lg.wh.DB.QueryRow("SELECT strftime(started_at, '%Y-%m') FROM ops.runs WHERE run_id = $1", run).Scan(&m); err != nil {
		lg.t.Fatal(err)
	}
	return m
}

func detector(wh *warehouse.Warehouse, rules Rules) *Detector {
	return &Detector{Store: NewStore(wh.DB, Options{}), Rules: rules}
}

func detect(t *testing.T, d *Detector, run int64) *Outcome {
	t.Helper()
	out, err := d.Detect(context.Background(), run)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ids(v []int64) string { return fmt.Sprint(v) }

func TestFailedRunOpensOneDraftPerStreak(t *testing.T) {
	ctx := context.Background()
	wh := openWarehouse(t)
	lg := ledger{t, load.New(wh, nil), wh}
	d := detector(wh, Rules{FailedRun: Rule{true, SEV3}})

	r1 := lg.run(load.RunFailed)
	if out := detect(t, d, r1); ids(out.Opened) != "[1]" || len(out.Updated) != 0 {
		t.Fatalf("after run 1: %+v", out)
	}
	if out := detect(t, d, r1); len(out.Opened)+len(out.Updated) != 0 {
		t.Fatalf("evaluated again: %+v", out)
	}
	r2 := lg.run(load.RunFailed)
	if out := detect(t, d, r2); len(out.Opened) != 0 || ids(out.Updated) != "[1]" {
		t.Fatalf("after run 2: %+v", out)
	}
	r3 := lg.run(load.RunSucceeded)
	if out := detect(t, d, r3); len(out.Opened)+len(out.Updated) != 0 {
		t.Fatalf("after a good run: %+v", out)
	}
	r4 := lg.run(load.RunFailed)
	if out := detect(t, d, r4); ids(out.Opened) != "[2]" {
		t.Fatalf("after run 4: %+v", out)
	}
	if out := detect(t, d, r4); len(out.Opened)+len(out.Updated) != 0 {
		t.Fatalf("run 4 evaluated again: %+v", out)
	}

	inc, err := d.Store.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Title != "Pipeline run 1 failed" || inc.Status != Draft || inc.Severity != SEV3 || inc.Origin != "automatic" ||
		inc.DetectedByKind != ByRule || inc.DetectedBy != RuleFailedRun ||
		!reflect.DeepEqual(inc.Detections, []string{"failed_run:1"}) ||
		!reflect.DeepEqual(inc.Links, []Link{{LinkKPIMonth, lg.month(r1)}, {LinkPipelineRun, "1"}, {LinkPipelineRun, "2"}}) {
		t.Fatalf("incident 1: %+v", inc)
	}
	tl, err := d.Store.Timeline(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, e := range tl {
		if e.Kind == EventNote {
			notes = append(notes, e.Text[:strings.Index(e.Text, " (")]+" "+e.Text[strings.Index(e.Text, ") ")+2:])
		}
		if e.Author != Author {
			t.Errorf("event %d written by %q", e.Seq, e.Author)
		}
	}
	if want := []string{"Run 1 failed: harvest: time_entries page 1: source unreachable.", "Run 2 failed: harvest: time_entries page 1: source unreachable."}; !reflect.DeepEqual(notes, want) {
		t.Fatalf("notes %q", notes)
	}
	if err := d.Store.Verify(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// Disabled, the rule does nothing.
	lg.run(load.RunFailed)
	off := detector(wh, Rules{})
	if out := detect(t, off, 0); len(out.Opened)+len(out.Updated) != 0 {
		t.Fatalf("rule off: %+v", out)
	}
}

func TestStreamFailingThreeRunsInARowOpensOnce(t *testing.T) {
	ctx := context.Background()
	wh := openWarehouse(t)
	lg := ledger{t, load.New(wh, nil), wh}
	d := detector(wh, Rules{FailedRun: Rule{true, SEV3}, StreamFailures: Rule{true, SEV3}, StreamFailuresInARow: 3})
	down := "harvest: time_entries page 1: source unreachable"
	partial := func(te, users string) int64 {
		return lg.run(load.RunPartial, "harvest.time_entries", te, "harvest.users", users, "files.dunning_notices", "")
	}
	var runs []int64
	for i := range 2 {
		runs = append(runs, partial(down, "not attempted"))
		if out := detect(t, d, runs[i]); len(out.Opened)+len(out.Updated) != 0 {
			t.Fatalf("after %d failures: %+v", i+1, out)
		}
	}
	runs = append(runs, partial(down, "not attempted"))
	if out := detect(t, d, runs[2]); ids(out.Opened) != "[1]" {
		t.Fatalf("third failure: %+v", out)
	}
	inc, err := d.Store.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Title != "harvest streams failed 3 runs in a row" || inc.Status != Draft ||
		!reflect.DeepEqual(inc.Detections, []string{"stream_failures:harvest.time_entries:1", "stream_failures:harvest.users:1"}) {
		t.Fatalf("incident: %+v", inc)
	}
	runs = append(runs, partial(down, "not attempted"))
	if out := detect(t, d, runs[3]); len(out.Opened) != 0 || ids(out.Updated) != "[1]" {
		t.Fatalf("fourth failure: %+v", out)
	}
	// Time entries load again; users keep failing (their streak goes on in
	// the same incident); then time entries fail three more times: a new
	// streak, gathered in the source's incident while it is open.
	runs = append(runs, partial("", "not attempted"))
	if out := detect(t, d, runs[4]); len(out.Opened) != 0 || ids(out.Updated) != "[1]" {
		t.Fatalf("time entries back: %+v", out)
	}
	for range 3 {
		runs = append(runs, partial(down, "not attempted"))
	}
	if out := detect(t, d, runs[7]); len(out.Opened) != 0 || ids(out.Updated) != "[1]" {
		t.Fatalf("new streak: %+v", out)
	}
	inc, err = d.Store.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(inc.Detections, []string{"stream_failures:harvest.time_entries:1", "stream_failures:harvest.time_entries:6", "stream_failures:harvest.users:1"}) {
		t.Fatalf("detections: %v", inc.Detections)
	}
	var linkedRuns []string
	for _, l := range inc.Links {
		if l.Kind == LinkPipelineRun {
			linkedRuns = append(linkedRuns, l.Ref)
		}
	}
	if want := []string{"1", "2", "3", "4", "5", "6", "7", "8"}; !reflect.DeepEqual(linkedRuns, want) {
		t.Fatalf("runs linked: %v", linkedRuns)
	}
	// Once it is closed, a new streak opens a new incident.
	if _, err := d.Store.Close(ctx, 1, "controller", "Harvest token renewed", false); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		runs = append(runs, partial("", ""))
	}
	for range 3 {
		runs = append(runs, partial("", "rate limited"))
	}
	if out := detect(t, d, runs[len(runs)-1]); ids(out.Opened) != "[2]" {
		t.Fatalf("after closing: %+v", out)
	}
	inc, err = d.Store.Get(ctx, 2)
	if err != nil || inc.Title != "harvest.users failed 3 runs in a row" {
		t.Fatalf("incident 2: %v %+v", err, inc)
	}
	// Partial runs are not failed runs: the failed-run rule stayed quiet.
	list, err := d.Store.List(ctx, Filter{})
	if err != nil || len(list) != 2 {
		t.Fatalf("incidents: %v %+v", err, list)
	}
}

func TestLargeFindingOpensOnceWithItsEvidence(t *testing.T) {
	ctx := context.Background()
	w := rawtest.Scenario(t)
	if err := transform.Run(ctx, w.Warehouse, w.RunID, transform.Settings{BaseCurrency: "EUR", HomeCountry: "DE", StandardVAT: "19",
		PaymentTerms: 30, StaleAfterDays: 60, AsOf: rawtest.ScenarioAsOf}, nil); err != nil {
		t.Fatal(err)
	}
	rules := Rules{Findings: Rule{true, SEV2}, FindingAmount: decimal.RequireFromString("100.00"),
		FindingAmountByCurrency: map[string]decimal.Decimal{"GBP": decimal.RequireFromString("5.00")}}
	d := detector(w.Warehouse, rules)
	// The scenario's findings: e8 bills e7's work again (200.00 EUR) and
	// e3 carries 115.00 instead of the card's 110.00 (11.25 EUR).
	if out := detect(t, d, 0); ids(out.Opened) != "[1]" {
		t.Fatalf("first evaluation: %+v", out)
	}
	for range 2 {
		if out := detect(t, d, 0); len(out.Opened)+len(out.Updated) != 0 {
			t.Fatalf("evaluated again: %+v", out)
		}
	}
	inc, err := d.Store.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantLinks := []Link{{LinkFinding, "double_billed:e7,e8"}, {LinkInvoice, "H-0001"}, {LinkKPIMonth, "2026-01"}, {LinkKPIMonth, "2026-02"}}
	if inc.Title != "double_billed finding of 200.00 EUR for Alpha GmbH" || inc.Severity != SEV2 || inc.Status != Draft ||
		inc.CustomerImpact != "200.00 EUR at stake for Alpha GmbH: work may be billed wrongly or not at all until the finding is corrected." ||
		!reflect.DeepEqual(inc.Links, wantLinks) || !reflect.DeepEqual(inc.Months, []string{"2026-01", "2026-02"}) ||
		!reflect.DeepEqual(inc.Detections, []string{"reconcile_finding:double_billed:e7,e8"}) {
		t.Fatalf("incident: %+v", inc)
	}
	// A lower threshold brings the rate mismatch in, as its own incident;
	// the double billing is not reported again.
	d.Rules.FindingAmount = decimal.RequireFromString("10.00")
	if out := detect(t, d, 0); ids(out.Opened) != "[2]" {
		t.Fatalf("lower threshold: %+v", out)
	}
	inc, err = d.Store.Get(ctx, 2)
	if err != nil || inc.Title != "rate_mismatch finding of 11.25 EUR for Alpha GmbH" || !reflect.DeepEqual(inc.Months, []string{"2026-03"}) {
		t.Fatalf("incident 2: %v %+v", err, inc)
	}
}

// kpiFixture stands in for the KPI models' output: each KPI's definition
// (which direction is better) and its monthly values.
func kpiFixture(t *testing.T, wh *warehouse.Warehouse, values ...string) {
	t.Helper()
	for _, stmt := range []string{
		`CREATE OR REPLACE TABLE marts.kpi_definitions AS SELECT * FROM (VALUES
			('dso_days', 1, 'days', 'lower'), ('automation_share', 1, 'share', 'higher'), ('dunning_rate', 1, 'share', 'lower')
		) t(kpi, definition_version, unit, better)`,
		`CREATE OR REPLACE TABLE marts.kpi_values (month DATE, kpi VARCHAR, value DECIMAL(18,4), reason VARCHAR, provisional BOOLEAN, definition_version INTEGER)`,
	} {
		if _, err := wh.DB.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range values {
		if _, err := wh.DB.Exec("INSERT INTO marts.kpi_values VALUES " + v); err != nil {
			t.Fatal(err)
		}
	}
}

func TestKPICrossingItsTargetOpensOncePerCrossing(t *testing.T) {
	ctx := context.Background()
	wh := openWarehouse(t)
	var logs bytes.Buffer
	d := detector(wh, Rules{KPITarget: Rule{true, SEV3}})
	d.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	src := KPIValues{DB: wh.DB, Targets: map[string]KPITarget{
		"dso_days":         {decimal.RequireFromString("30"), "Head of Receivables"},
		"automation_share": {decimal.RequireFromString("0.5"), "Billing Lead"},
	}}
	d.Targets = src

	// Before the KPI models have run, the rule is a no-op that says so.
	skipped := "kpi_target: no KPI targets yet (none configured under kpis.targets, or marts.kpi_values not built); KPI crossings are not checked"
	out := detect(t, d, 0)
	if len(out.Opened) != 0 || !reflect.DeepEqual(out.Skipped, []string{skipped}) ||
		!strings.Contains(logs.String(), `msg="incident rule skipped" rule=kpi_target reason="no KPI targets yet`) {
		t.Fatalf("no tables: %+v\n%s", out, logs.String())
	}

	jan := `('2026-01-01', 'dso_days', 28.5, NULL, false, 1), ('2026-01-01', 'automation_share', 0.6, NULL, false, 1), ('2026-01-01', 'dunning_rate', 0.9, NULL, false, 1)`
	feb := `('2026-02-01', 'dso_days', 32.1, NULL, false, 1), ('2026-02-01', 'automation_share', NULL, 'no invoices issued', false, 1)`
	running := `('2026-03-01', 'dso_days', 12, NULL, true, 1), ('2026-03-01', 'automation_share', 0.1, NULL, true, 1)`
	kpiFixture(t, wh, jan, feb, running)
	if out := detect(t, d, 0); ids(out.Opened) != "[1]" || len(out.Skipped) != 0 {
		t.Fatalf("DSO crossed in February: %+v", out)
	}
	if out := detect(t, d, 0); len(out.Opened)+len(out.Updated) != 0 {
		t.Fatalf("evaluated again: %+v", out)
	}
	inc, err := d.Store.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Title != "dso_days missed its target in 2026-02" || inc.CustomerImpact != "dso_days was 32.1 in 2026-02 against a target of 30." ||
		inc.Status != Draft || inc.DetectedBy != RuleKPITarget || !reflect.DeepEqual(inc.Months, []string{"2026-02"}) ||
		!reflect.DeepEqual(inc.Links, []Link{{LinkKPI, "dso_days"}, {LinkKPIMonth, "2026-02"}}) {
		t.Fatalf("incident: %+v", inc)
	}
	tl, _ := d.Store.Timeline(ctx, 1)
	if note := tl[len(tl)-3]; note.Kind != EventNote || note.Text != "dso_days was 32.1 in 2026-02 against a target of 30; 2026-01 met it with 28.5. The target is owned by the Head of Receivables." {
		t.Fatalf("note: %+v", note)
	}
	// March closes still off target: no new crossing.
	march := `('2026-03-01', 'dso_days', 33, NULL, false, 1), ('2026-03-01', 'automation_share', 0.55, NULL, false, 1)`
	kpiFixture(t, wh, jan, feb, march)
	if out := detect(t, d, 0); len(out.Opened)+len(out.Updated) != 0 {
		t.Fatalf("still off target: %+v", out)
	}
	// Back on target in April, off again in May: a second crossing; the
	// automation share (higher is better) falls below its target too.
	kpiFixture(t, wh, jan, feb, march,
		`('2026-04-01', 'dso_days', 29, NULL, false, 1), ('2026-05-01', 'dso_days', 31, NULL, false, 1)`,
		`('2026-05-01', 'automation_share', 0.45, NULL, false, 1)`)
	if out := detect(t, d, 0); ids(out.Opened) != "[2 3]" {
		t.Fatalf("May: %+v", out)
	}
	list, err := d.Store.List(ctx, Filter{Month: "2026-05"})
	if err != nil || len(list) != 2 || list[0].Title != "automation_share missed its target in 2026-05" || list[1].Title != "dso_days missed its target in 2026-05" {
		t.Fatalf("May incidents: %v %+v", err, list)
	}
	// Without targets in takt.yaml there is nothing to cross.
	d.Targets = KPIValues{DB: wh.DB}
	if out := detect(t, d, 0); !reflect.DeepEqual(out.Skipped, []string{skipped}) {
		t.Fatalf("no targets: %+v", out)
	}
}

func TestRulesOpenExactlyOnceUnderConcurrentEvaluations(t *testing.T) {
	wh := openWarehouse(t)
	lg := ledger{t, load.New(wh, nil), wh}
	lg.run(load.RunFailed)
	errs := make(chan error, 4)
	opened := make(chan int, 4)
	for range 4 {
		go func() {
			// Separate stores on the same warehouse, as the service and a
			// CLI run would have.
			d := detector(wh, Rules{FailedRun: Rule{true, SEV3}})
			out, err := d.Detect(context.Background(), 1)
			errs <- err
			if out != nil {
				opened <- len(out.Opened)
			} else {
				opened <- 0
			}
		}()
	}
	total := 0
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		total += <-opened
	}
	var n int
	if err := wh.DB.QueryRow("SELECT count(*) FROM incident.incidents").Scan(&n); err != nil || n != 1 || total != 1 {
		t.Fatalf("%d incidents, %d reported opened; want 1: %v", n, total, err)
	}
	_ = time.Second
}

func TestFindingsOfOneEvaluationShareAnIncident(t *testing.T) {
	ctx := context.Background()
	wh := openWarehouse(t)
	// A stand-in for the reconciliation's output, with only the columns
	// the rule reads.
	if _, err := wh.DB.Exec(`CREATE TABLE reconcile.exceptions AS SELECT * FROM (VALUES
		('over_budget:p1', 'over_budget', 'Alpha GmbH', 1200.00::DECIMAL(18,2), 'EUR', 'Project p1 is over budget.', []::VARCHAR[], ['p1']),
		('rate_mismatch:e9', 'rate_mismatch', 'Beta Ltd', -900.00::DECIMAL(18,2), 'GBP', 'Entry e9 is billed too low.', ['INV-7'], ['e9']),
		('rate_mismatch:e10', 'rate_mismatch', 'Beta Ltd', 849.99::DECIMAL(18,2), 'GBP', 'Entry e10 is billed too high.', []::VARCHAR[], ['e10']),
		('double_billed:e1,e2', 'double_billed', 'Alpha GmbH', 999.99::DECIMAL(18,2), 'EUR', 'Billed twice.', []::VARCHAR[], ['e1', 'e2'])
	) t(exception_id, kind, customer, amount, currency, reason, invoice_numbers, source_ids)`); err != nil {
		t.Fatal(err)
	}
	d := detector(wh, Rules{Findings: Rule{true, SEV2}, FindingAmount: decimal.RequireFromString("1000.00"),
		FindingAmountByCurrency: map[string]decimal.Decimal{"GBP": decimal.RequireFromString("850.00")}})
	if out := detect(t, d, 0); ids(out.Opened) != "[1]" {
		t.Fatalf("first evaluation: %+v", out)
	}
	if out := detect(t, d, 0); len(out.Opened)+len(out.Updated) != 0 {
		t.Fatalf("second evaluation: %+v", out)
	}
	inc, err := d.Store.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Title != "Reconciliation findings at or above the incident threshold" ||
		inc.CustomerImpact != "2 findings with 1200.00 EUR and 900.00 GBP at stake: work may be billed wrongly or not at all until they are corrected." ||
		!reflect.DeepEqual(inc.Detections, []string{"reconcile_finding:over_budget:p1", "reconcile_finding:rate_mismatch:e9"}) ||
		!reflect.DeepEqual(inc.Links, []Link{{LinkFinding, "over_budget:p1"}, {LinkFinding, "rate_mismatch:e9"}, {LinkInvoice, "INV-7"}}) {
		t.Fatalf("incident: %+v", inc)
	}
}
