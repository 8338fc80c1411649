//go:build duckdb_arrow

package pipeline

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/files"
	"github.com/takt-billing/takt/extract/harvest"
	"github.com/takt-billing/takt/extract/harvest/harvesttest"
	"github.com/takt-billing/takt/internal/config"
	"github.com/takt-billing/takt/internal/incident"
	"github.com/takt-billing/takt/internal/rawtest"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/load"
	"github.com/takt-billing/takt/transform"
)

// TestRunsOpenAutomaticIncidentsOnce runs the real pipeline against a
// Harvest that is gone: with the files source still loading, every run is
// partial and Harvest's streams fail run after run; without it, every run
// fails. Each cause opens one draft, however many runs see it.
func TestRunsOpenAutomaticIncidentsOnce(t *testing.T) {
	ctx := context.Background()
	srv := harvesttest.NewServer(harvesttest.Dataset{}, harvesttest.Options{})
	srv.Close() // Harvest does not answer.
	wh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "takt.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	p, err := New(ctx, wh, Registry(rawtest.Sources()), nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Settings = transform.Settings{BaseCurrency: "EUR", HomeCountry: "DE", StandardVAT: "19", PaymentTerms: 30, StaleAfterDays: 60, AsOf: rawtest.Date("2026-10-31")}
	hv, err := harvest.New(harvest.Config{BaseURL: srv.URL, Token: harvesttest.DefaultToken, AccountID: harvesttest.DefaultAccountID, HTTP: fastClient()})
	if err != nil {
		t.Fatal(err)
	}
	fc, err := files.New(files.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	store := incident.NewStore(wh.DB, incident.Options{})
	list := func() []string {
		t.Helper()
		got, err := store.List(ctx, incident.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range got {
			out = append(out, string(s.Status)+" "+string(s.Severity)+" "+s.Title)
		}
		return out
	}
	run := func(want string) int64 {
		t.Helper()
		res, err := p.Run(ctx, "schedule")
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != want {
			t.Fatalf("run %d: %s, want %s: %v", res.RunID, res.Status, want, res.Err)
		}
		return res.RunID
	}

	p.Sources = []extract.Connector{hv, fc}
	run(load.RunPartial)
	run(load.RunPartial)
	if got := list(); len(got) != 0 {
		t.Fatalf("after two failures: %q", got)
	}
	run(load.RunPartial)
	want := []string{"draft SEV3 harvest streams failed 3 runs in a row"}
	if got := list(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after three failures: %q", got)
	}
	run(load.RunPartial)
	if got := list(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after four failures: %q", got)
	}
	inc, err := store.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(inc.Detections) != len(harvest.Streams()) || !reflect.DeepEqual(inc.Months, []string{runMonth(t, wh, 1)}) {
		t.Fatalf("incident 1: %d causes, months %v", len(inc.Detections), inc.Months)
	}

	// Harvest alone: every stream fails, so every run fails.
	p.Sources = []extract.Connector{hv}
	p.Incidents = IncidentSettings{Incidents: config.Incidents{StreamFailures: config.StreamFailureRule{IncidentRule: config.IncidentRule{Enabled: new(bool)}}}}
	first := run(load.RunFailed)
	run(load.RunFailed)
	want = append(want, "draft SEV3 Pipeline run 5 failed")
	if got := list(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after two failed runs: %q", got)
	}
	inc, err = store.Get(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for _, l := range inc.Links {
		if l.Kind == incident.LinkPipelineRun {
			runs = append(runs, l.Ref)
		}
	}
	if first != 5 || !reflect.DeepEqual(runs, []string{"5", "6"}) {
		t.Fatalf("failed runs linked: %v", runs)
	}

	// Automatic incidents off: the next failed run is neither linked nor
	// reported.
	off := false
	p.Incidents = IncidentSettings{Incidents: config.Incidents{Automatic: &off}}
	run(load.RunFailed)
	if got := list(); !reflect.DeepEqual(got, want) {
		t.Fatalf("with automatic incidents off: %q", got)
	}
	if again, err := store.Get(ctx, 2); err != nil || again.Events != inc.Events {
		t.Fatalf("incident 2 changed while automatic incidents were off: %v", err)
	}
}

func runMonth(t *testing.T, wh *warehouse.Warehouse, run int64) string {
	t.Helper()
	var m string
	if err := wh.DB.QueryRow("SELECT strftime(started_at, '%Y-%m') FROM ops.runs WHERE run_id = $1", run).Scan(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// A run that only extracts builds no findings, so the rules about findings
// wait for the run that builds them.
func TestExtractOnlyRunsLeaveFindingsAlone(t *testing.T) {
	ctx := context.Background()
	w := rawtest.Scenario(t)
	p, err := New(ctx, w.Warehouse, Registry(rawtest.Sources()), nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Settings = transform.Settings{BaseCurrency: "EUR", HomeCountry: "DE", StandardVAT: "19", PaymentTerms: 30, StaleAfterDays: 60, AsOf: rawtest.Date("2026-03-31")}
	p.Incidents = IncidentSettings{Incidents: config.Incidents{Finding: config.FindingRule{Amount: "100"}}}
	if err := transform.Run(ctx, w.Warehouse, w.RunID, p.Settings, nil); err != nil {
		t.Fatal(err)
	}
	store := incident.NewStore(w.DB, incident.Options{})
	count := func() int {
		t.Helper()
		got, err := store.List(ctx, incident.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(got)
	}
	if _, err := p.RunWith(ctx, "cli", Options{ExtractOnly: true}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Fatalf("an extract-only run opened %d incidents for findings it did not build", n)
	}
	if _, err := p.Run(ctx, "cli"); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("the run that built the findings opened %d incidents, want 1 (the double billing of 200.00 EUR)", n)
	}
}
