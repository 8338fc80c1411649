//go:build duckdb_arrow

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/takt-billing/takt/internal/demo"
)

// The demo company every end-to-end test shares: generated, served
// through the emulators and run through the whole pipeline once.
var (
	demoOnce    sync.Once
	demoDir     string
	demoCompany *demo.Company
	demoErr     error
)

const demoSeed = 42

var demoAsOf = time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	code := m.Run()
	if demoDir != "" {
		os.RemoveAll(demoDir)
	}
	os.Exit(code)
}

// demoWarehouse runs `takt demo` once and returns its folder.
func demoWarehouse(t *testing.T) (string, *demo.Company) {
	t.Helper()
	demoOnce.Do(func() {
		demoDir, demoErr = os.MkdirTemp("", "takt-demo-e2e-")
		if demoErr != nil {
			return
		}
		demoCompany, demoErr = demo.Generate(demo.Options{Seed: demoSeed, AsOf: demoAsOf})
		if demoErr != nil {
			return
		}
		var out, errOut bytes.Buffer
		_, demoErr = runCLI(&out, &errOut, "demo", "--dir", demoDir, "--seed", fmt.Sprint(demoSeed),
			"--as-of", demoAsOf.Format(time.DateOnly), "--format", "json", "--log-level", "warn")
		if demoErr != nil {
			demoErr = fmt.Errorf("%w\n%s", demoErr, errOut.String())
		}
	})
	if demoErr != nil {
		t.Fatalf("takt demo: %v", demoErr)
	}
	return demoDir, demoCompany
}

// runCLI runs takt with args and returns its exit code (0, or the code an
// exitError asks for, or 1 for any other error).
func runCLI(stdout, stderr *bytes.Buffer, args ...string) (int, error) {
	cmd := newRootCmdIO(stdout, stderr)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	var ee exitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee):
		return ee.code, err
	default:
		return 1, err
	}
}

func cli(t *testing.T, args ...string) []byte {
	t.Helper()
	var out, errOut bytes.Buffer
	if code, err := runCLI(&out, &errOut, args...); err != nil || code != 0 {
		t.Fatalf("takt %s: exit %d: %v\n%s", strings.Join(args, " "), code, err, errOut.String())
	}
	return out.Bytes()
}

var fixedDecimals = regexp.MustCompile(`^-?[0-9]+\.[0-9]{2,4}$`)

// The demo's reconciliation finds exactly the defects the generator planted:
// every unbilled item with its amount, the work billed twice and the rates
// that differ from the rate card, no miss and no false alarm.
func TestDemoFindsExactlyThePlantedDefects(t *testing.T) {
	dir, company := demoWarehouse(t)
	truth := company.Truth
	cfg := filepath.Join(dir, "takt.yaml")

	var unbilled []unbilledJSON
	if err := json.Unmarshal(cli(t, "unbilled", "--config", cfg, "--format", "json"), &unbilled); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, u := range unbilled {
		key := u.Kind + " " + u.SourceID
		if _, dup := got[key]; dup {
			t.Errorf("unbilled item %s listed twice", key)
		}
		got[key] = u.Amount + " " + u.Currency + " " + u.WorkDate
		for name, v := range map[string]string{"amount": u.Amount, "hours": u.Hours} {
			if !fixedDecimals.MatchString(v) {
				t.Errorf("%s: %s %q is not a string with fixed decimals", key, name, v)
			}
		}
		if u.Customer == "" || u.Project == "" || u.CustomerID == "" {
			t.Errorf("%s: customer or project missing: %+v", key, u)
		}
	}
	want := map[string]string{}
	for _, u := range truth.Unbilled {
		want[u.Kind+" "+u.SourceID] = u.Amount.StringFixed(2) + " " + u.Currency + " " + u.WorkDate.Format(time.DateOnly)
	}
	for _, m := range truth.MilestonesNotInvoiced {
		want["milestone "+m.ID] = m.Amount.StringFixed(2) + " " + m.Currency
	}
	for key, w := range want {
		g, ok := got[key]
		switch {
		case !ok:
			t.Errorf("missed unbilled %s (%s)", key, w)
		case strings.HasPrefix(key, "milestone "):
			if !strings.HasPrefix(g, w+" ") {
				t.Errorf("unbilled %s = %s, want %s", key, g, w)
			}
		case g != w:
			t.Errorf("unbilled %s = %s, want %s", key, g, w)
		}
	}
	for key, g := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("false alarm: unbilled %s (%s) is not in the ground truth", key, g)
		}
	}
	for _, id := range truth.NeverInvoiced {
		if _, ok := got["time "+id]; !ok {
			t.Errorf("forgotten entry %s is not reported as unbilled", id)
		}
	}
	t.Logf("unbilled: %d items, as planted", len(got))

	var exc []exceptionJSON
	if err := json.Unmarshal(cli(t, "exceptions", "--config", cfg, "--format", "json"), &exc); err != nil {
		t.Fatal(err)
	}
	var gotExc []string
	for _, e := range exc {
		if e.Reason == "" || !fixedDecimals.MatchString(e.Amount) || len(e.SourceIDs) == 0 {
			t.Errorf("exception %s lacks a reason, amount or records: %+v", e.ID, e)
		}
		gotExc = append(gotExc, exceptionKey(e))
	}
	// Every planted defect, each kind's records and amount
	// (e2e_billing_test.go).
	wantExc := plantedExceptions(t, dir, company)
	sort.Strings(gotExc)
	sort.Strings(wantExc)
	if strings.Join(gotExc, "\n") != strings.Join(wantExc, "\n") {
		t.Errorf("exceptions:\n got\n  %s\nwant\n  %s", strings.Join(gotExc, "\n  "), strings.Join(wantExc, "\n  "))
	}
}

// Every demo customer is one customer across the three systems, also where
// the systems spell its name differently.
func TestDemoCustomersAreOneAcrossSystems(t *testing.T) {
	dir, company := demoWarehouse(t)
	wh, err := openDemoWarehouse(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	for _, c := range company.Truth.Customers {
		ids := map[string]string{}
		for system, id := range map[string]string{"hubspot": c.HubSpotCompanyID, "harvest": c.HarvestClientID, "xero": c.XeroContactID} {
			var customer, method string
			if err := wh.DB.QueryRow(`SELECT customer_id, method FROM core.customer_identity WHERE system = $1 AND source_id = $2`, system, id).Scan(&customer, &method); err != nil {
				t.Fatalf("%s %s %s: %v", c.Key, system, id, err)
			}
			if method == "unmatched" {
				t.Errorf("%s: %s record %s (%q) is unmatched", c.Key, system, id, map[string]string{"hubspot": c.HubSpotName, "harvest": c.HarvestName, "xero": c.XeroName}[system])
			}
			ids[system] = customer
		}
		if ids["hubspot"] != ids["harvest"] || ids["hubspot"] != ids["xero"] {
			t.Errorf("%s (%s / %s / %s) is split: %v", c.Key, c.HubSpotName, c.HarvestName, c.XeroName, ids)
		}
	}
}

// The KPI command's JSON contract: numbers as numbers, undefined as null,
// money as strings.
func TestDemoKPIJSON(t *testing.T) {
	dir, _ := demoWarehouse(t)
	cfg := filepath.Join(dir, "takt.yaml")
	raw := cli(t, "kpi", "--config", cfg, "--month", "2026-03", "--format", "json")
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m["month"] != "2026-03" {
		t.Errorf("month = %v", m["month"])
	}
	for _, k := range []string{"dso_days", "dso_3m_days", "dunning_rate"} {
		if _, ok := m[k].(float64); !ok {
			t.Errorf("%s = %#v, want a number", k, m[k])
		}
	}
	if r := m["dunning_rate"].(float64); r < 0 || r > 1 {
		t.Errorf("dunning_rate %v outside 0..1", r)
	}
	if s, ok := m["ar_end"].(string); !ok || !fixedDecimals.MatchString(s) {
		t.Errorf("ar_end = %#v, want a string with fixed decimals", m["ar_end"])
	}
	// The first month of history has no trailing three-month DSO.
	var first map[string]any
	if err := json.Unmarshal(cli(t, "kpi", "--config", cfg, "--month", "2024-10", "--format", "json"), &first); err != nil {
		t.Fatal(err)
	}
	if first["dso_3m_days"] != nil || first["null_reasons"].(map[string]any)["dso_3m_days"] != "fewer than three months of history" {
		t.Errorf("first month: dso_3m_days = %v, reasons %v", first["dso_3m_days"], first["null_reasons"])
	}
}

func TestDemoWroteReports(t *testing.T) {
	dir, _ := demoWarehouse(t)
	for _, f := range []string{"reports/takt-pack-2026-03.xlsx", "reports/2026-03/kpi-dso.html", "reports/2026-03/assets/echarts.min.js", "imports/rate_cards.csv"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
