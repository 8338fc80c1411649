//go:build duckdb_arrow

package transform

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/takt-billing/takt/internal/dbtest"
	"github.com/takt-billing/takt/internal/rawtest"
)

// builtIn returns, by model, the run that last built it.
func builtIn(t *testing.T, w *rawtest.Warehouse) map[string]int64 {
	t.Helper()
	rows, err := w.DB.Query(`SELECT name, run_id FROM ops.build_state WHERE name NOT LIKE 'test:%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var run int64
		if err := rows.Scan(&name, &run); err != nil {
			t.Fatal(err)
		}
		out[name] = run
	}
	return out
}

// contents hashes every table the models build, so that two warehouses
// (or one before and after a run) can be compared table by table.
func contents(t *testing.T, w *rawtest.Warehouse) map[string]string {
	t.Helper()
	models, err := Models()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range models {
		for _, tbl := range m.Tables {
			var n, sum string
			// The test's own fingerprint, not the build's (build_rows_hash):
			// a weaker one there must not weaken this comparison too.
			if err := w.DB.QueryRow(fmt.Sprintf(`SELECT count(*)::VARCHAR, coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR FROM %s t`, tbl)).Scan(&n, &sum); err != nil {
				t.Fatal(err)
			}
			out[tbl] = n + " rows, hash " + sum
		}
	}
	return out
}

func run(t *testing.T, w *rawtest.Warehouse, runID int64, s Settings) {
	t.Helper()
	if err := Run(context.Background(), w.Warehouse, runID, s, nil); err != nil {
		t.Fatal(err)
	}
}

// sameAsRebuild rebuilds every model and fails the test if any table
// differs from what the incremental run left.
func sameAsRebuild(t *testing.T, w *rawtest.Warehouse, runID int64, s Settings) {
	t.Helper()
	incremental := contents(t, w)
	s.Rebuild = true
	run(t, w, runID, s)
	for tbl, want := range contents(t, w) {
		if got := incremental[tbl]; got != want {
			t.Errorf("%s after the incremental run: %s; rebuilt from scratch: %s", tbl, got, want)
		}
	}
}

func TestRunRebuildsOnlyWhatChanged(t *testing.T) {
	w := rawtest.Scenario(t)
	s := settings()
	run(t, w, 1, s)
	first := builtIn(t, w)
	if len(first) == 0 {
		t.Fatal("no build state recorded")
	}

	// Nothing changed: nothing is rebuilt, and every data test still has
	// a result for the run.
	run(t, w, 2, s)
	for m, r := range builtIn(t, w) {
		if r != 1 {
			t.Errorf("%s was rebuilt in run %d though nothing changed", m, r)
		}
	}
	var results, tests int64
	if err := w.DB.QueryRow(`SELECT count(*) FROM ops.data_test_results WHERE run_id = 2`).Scan(&results); err != nil {
		t.Fatal(err)
	}
	if err := w.DB.QueryRow(`SELECT count(*) FROM ops.data_test_results WHERE run_id = 1`).Scan(&tests); err != nil {
		t.Fatal(err)
	}
	if results != tests || tests == 0 {
		t.Errorf("run 2 recorded %d data test results, run 1 %d", results, tests)
	}

	// Harvest sends a new version of e2 (6 h instead of 4.5): the time
	// entry chain is rebuilt, HubSpot's and Xero's staging are not, and
	// the result is what a rebuild from scratch gives.
	u := rawtest.Time("2026-04-01T10:00:00Z")
	w.Put("harvest", "time_entries", []any{"e2", u, u, rawtest.Date("2026-02-10"), "7", "100", "1000", "50", rawtest.D("6"), nil, "work e2",
		false, nil, true, false, true, rawtest.D("100"), nil, nil, nil, nil, nil})
	run(t, w, 3, s)
	built := builtIn(t, w)
	for _, m := range []string{"staging.harvest_time_entries", "core.time_entries", "reconcile.unbilled"} {
		if built[m] != 3 {
			t.Errorf("%s last built in run %d, want 3", m, built[m])
		}
	}
	for _, m := range []string{"staging.hubspot_companies", "staging.xero_invoices", "core.customers", "core.invoices"} {
		if built[m] != 1 {
			t.Errorf("%s last built in run %d, want 1 (its inputs did not change)", m, built[m])
		}
	}
	got := dbtest.Strings(t, w.DB, `SELECT source_id || ' ' || amount::VARCHAR FROM reconcile.unbilled_work WHERE source_id = 'e2'`)
	dbtest.Lines(t, "e2 unbilled", got, []string{"e2 600.00"})
	sameAsRebuild(t, w, 4, s)

	// A later run reads a new version of e3: the current view of time
	// entries recomputes e3 alone from its rows (the delta), and ends as a
	// rebuild from scratch would.
	later, err := w.Loader.StartRun(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	w.RunID = later
	u = rawtest.Time("2026-04-02T10:00:00Z")
	w.Put("harvest", "time_entries", []any{"e3", u, u, rawtest.Date("2026-03-05"), "7", "100", "1000", "50", rawtest.D("3"), nil, "work e3",
		false, nil, true, false, true, rawtest.D("115"), nil, nil, nil, nil, nil})
	var log bytes.Buffer
	if err := Run(context.Background(), w.Warehouse, later, s, slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), `msg="model brought up to date" model=staging.current_harvest_time_entries`) {
		t.Errorf("the current view of time entries was not brought up to date from the new rows:\n%s", log.String())
	}
	got = dbtest.Strings(t, w.DB, `SELECT source_id || ' ' || amount::VARCHAR FROM reconcile.unbilled_work WHERE source_id = 'e3'`)
	dbtest.Lines(t, "e3 unbilled", got, []string{"e3 330.00"})
	sameAsRebuild(t, w, later+1, s)

	// A setting read through staging.setting reaches the models that
	// read it: a later as-of day ages the unbilled work.
	s.AsOf = rawtest.Date("2026-06-30")
	run(t, w, later+2, s)
	if n := len(dbtest.Strings(t, w.DB, `SELECT kind FROM reconcile.exceptions WHERE kind = 'stale_unbilled'`)); n == 0 {
		t.Error("no stale_unbilled exception 91 days after the work: the new as-of day did not reach the exceptions")
	}
	sameAsRebuild(t, w, later+3, s)
}

// A model rebuilt to the same rows leaves its readers alone; a model
// whose table is gone is rebuilt though its inputs did not change.
func TestRunEarlyCutoffAndMissingObjects(t *testing.T) {
	w := rawtest.Scenario(t)
	s := settings()
	run(t, w, 1, s)

	// A sync of HubSpot companies that read nothing changes ops.stream_syncs,
	// which staging.sync reads; it rebuilds to the same rows, and the
	// staging models that read it stay as they were.
	if err := w.Loader.BeginSync(context.Background(), w.RunID, "hubspot", "companies", "incremental", "2026-03-01T00:00:00Z"); err != nil {
		t.Fatal(err)
	}
	run(t, w, 2, s)
	built := builtIn(t, w)
	if built["staging.sync"] != 2 {
		t.Errorf("staging.sync last built in run %d, want 2 (ops.stream_syncs changed)", built["staging.sync"])
	}
	for _, m := range []string{"staging.hubspot_companies", "staging.harvest_time_entries", "core.customers"} {
		if built[m] != 1 {
			t.Errorf("%s last built in run %d, want 1 (staging.sync rebuilt to the same rows)", m, built[m])
		}
	}

	before := contents(t, w)
	if _, err := w.DB.Exec(`DROP TABLE core.customers`); err != nil {
		t.Fatal(err)
	}
	run(t, w, 3, s)
	if got := builtIn(t, w)["core.customers"]; got != 3 {
		t.Errorf("core.customers last built in run %d, want 3 (its table was gone)", got)
	}
	if got, want := contents(t, w)["core.customers"], before["core.customers"]; got != want {
		t.Errorf("core.customers rebuilt: %s, before: %s", got, want)
	}
}

// What a reader of a model's views and macros runs is their text alone:
// not the model's tables, not its comments. A model of tables only has
// none.
func TestPassSQLIsTheViewsAndMacros(t *testing.T) {
	models, err := parsedModels()
	if err != nil {
		t.Fatal(err)
	}
	mixed := 0
	for _, m := range models {
		if len(m.Objects) == len(m.Tables) {
			if m.PassSQL != "" {
				t.Errorf("%s has only tables but PassSQL %q", m.Name, m.PassSQL)
			}
			continue
		}
		if m.PassSQL == "" {
			t.Errorf("%s defines views or macros but has no PassSQL", m.Name)
		}
		if strings.Contains(m.PassSQL, "--") {
			t.Errorf("%s: PassSQL keeps a comment", m.Name)
		}
		if len(m.Tables) > 0 {
			mixed++
			if regexp.MustCompile(`(?i)CREATE\s+OR\s+REPLACE\s+TABLE`).MatchString(m.PassSQL) {
				t.Errorf("%s: PassSQL holds a table's statement", m.Name)
			}
		}
	}
	if mixed == 0 {
		t.Fatal("no model defines both tables and views or macros: the test checks nothing")
	}
}

// TestOutputKeyIsWhatReadersSee builds the models with edited SQL. A
// comment added to a model of tables alone (core.customers) and to one
// that also defines macros (reconcile.unbilled) rebuilds them, to the same
// tables and the same macros: their readers stay as they were. A macro
// whose text changes (reconcile.takt_billed, in reconcile.unbilled)
// rebuilds the readers of its model.
func TestOutputKeyIsWhatReadersSee(t *testing.T) {
	ctx := context.Background()
	w := rawtest.Scenario(t)
	s := settings()
	run(t, w, 1, s)
	build := func(runID int64, edit func(m *Model)) {
		t.Helper()
		models, err := Models()
		if err != nil {
			t.Fatal(err)
		}
		for i := range models {
			edit(&models[i])
			models[i].PassSQL = passSQL(passStatements(stripComments(models[i].SQL)))
		}
		if _, err := buildLayers(ctx, w.Warehouse, runID, models, s, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
	}
	readers := func(name string) []string {
		models, _ := Models()
		var out []string
		for _, m := range models {
			if slices.Contains(m.Deps, name) {
				out = append(out, m.Name)
			}
		}
		if len(out) == 0 {
			t.Fatalf("no model reads %s: the test checks nothing", name)
		}
		return out
	}

	build(2, func(m *Model) {
		switch m.Name {
		case "core.customers":
			m.SQL += "\n-- a note that changes nothing\n"
		case "reconcile.unbilled":
			// Between two macros, with a blank line.
			m.SQL = strings.Replace(m.SQL, "CREATE OR REPLACE MACRO reconcile.project_invoiced_hours",
				"-- a note that changes nothing\n\nCREATE OR REPLACE MACRO reconcile.project_invoiced_hours", 1)
		}
	})
	built := builtIn(t, w)
	for _, m := range []string{"core.customers", "reconcile.unbilled"} {
		if built[m] != 2 {
			t.Errorf("%s last built in run %d, want 2 (its SQL changed)", m, built[m])
		}
		for _, r := range readers(m) {
			if r == "reconcile.unbilled" {
				continue // edited itself
			}
			if built[r] != 1 {
				t.Errorf("%s, a reader of %s, last built in run %d, want 1 (%s came out the same)", r, m, built[r], m)
			}
		}
	}

	build(3, func(m *Model) {
		if m.Name == "reconcile.unbilled" {
			m.SQL = strings.Replace(m.SQL, "WHERE effective_date <= as_of::DATE", "WHERE effective_date <= as_of::DATE AND true", 1)
		}
	})
	built = builtIn(t, w)
	for _, r := range readers("reconcile.unbilled") {
		if built[r] != 3 {
			t.Errorf("%s, a reader of reconcile.unbilled, last built in run %d, want 3 (a macro of it changed)", r, built[r])
		}
	}
}
