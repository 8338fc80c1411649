//go:build duckdb_arrow

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/takt-billing/takt/extract/httpapi"
	"github.com/takt-billing/takt/internal/config"
	"github.com/takt-billing/takt/internal/demo"
)

// takt sources check makes one cheap authenticated request per source and
// says, per source, what it tried and what to fix; it loads nothing.
func TestSourcesCheck(t *testing.T) {
	company, err := demo.Generate(demo.Options{Seed: demoSeed, AsOf: demoAsOf})
	if err != nil {
		t.Fatal(err)
	}
	sys := startDemoSystems(company, 0)
	defer sys.Close()
	dir := t.TempDir()
	cfgPath, err := writeDemoSetup(dir, company, sys.hubspot.URL, sys.harvest.URL, sys.xero.URL, sys.xero.TokenURL())
	if err != nil {
		t.Fatal(err)
	}
	check := func() (int, []sourceCheck, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		code, _ := runCLI(&out, &errOut, "sources", "check", "--config", cfgPath, "--format", "json")
		var res []sourceCheck
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("sources check: %v\n%s\n%s", err, out.String(), errOut.String())
		}
		return code, res, out.String()
	}
	code, res, out := check()
	want := []string{
		"hubspot ok GET " + sys.hubspot.URL + "/crm/v3/objects/companies?limit=1",
		"harvest ok GET " + sys.harvest.URL + "/v2/clients?per_page=1",
		"xero ok POST " + sys.xero.TokenURL() + ", GET " + sys.xero.URL + "/api.xro/2.0/Contacts?page=1&pageSize=1",
		"files ok read folder " + filepath.Join(dir, "imports") + " (4 files)",
	}
	if code != 0 || len(res) != 4 {
		t.Fatalf("exit %d, %d results:\n%s", code, len(res), out)
	}
	for i, r := range res {
		if got := r.Source + " " + r.Status + " " + r.Check; got != want[i] || r.Error != nil {
			t.Errorf("result %d: %s (error %v), want %s", i, got, r.Error, want[i])
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "takt.duckdb")); !os.IsNotExist(err) {
		t.Fatalf("the check created the warehouse: %v", err)
	}

	// Wrong token, a missing variable, Xero gone, no imports folder: each
	// source says what to fix, and the exit status is 2.
	t.Setenv("TAKT_DEMO_HUBSPOT_TOKEN", "not-the-token")
	os.Unsetenv("TAKT_DEMO_HARVEST_ACCOUNT_ID")
	t.Cleanup(func() { os.Setenv("TAKT_DEMO_HARVEST_ACCOUNT_ID", demoHarvestAcct) })
	sys.xero.Close()
	if err := os.Rename(filepath.Join(dir, "imports"), filepath.Join(dir, "imports.away")); err != nil {
		t.Fatal(err)
	}
	code, res, out = check()
	if code != 2 || len(res) != 4 {
		t.Fatalf("exit %d, %d results:\n%s", code, len(res), out)
	}
	for i, prefix := range []string{
		"hubspot: the credentials were refused (HTTP 401): check the private app token in TAKT_DEMO_HUBSPOT_TOKEN and the permissions (scopes) they were granted: GET " + sys.hubspot.URL + "/crm/v3/objects/companies?limit=1: HTTP 401",
		cfgPath + ": sources.harvest.account_id_env: environment variable TAKT_DEMO_HARVEST_ACCOUNT_ID is not set; export it with the credential before running takt",
		"xero: access token: no answer: check the address in the configuration and the network: POST " + sys.xero.TokenURL() + ": source unreachable after 2 attempt(s)",
		"files: the imports folder cannot be read: open " + filepath.Join(dir, "imports") + ": no such file or directory: create it, or set sources.files.dir to the folder the export files are dropped into",
	} {
		r := res[i]
		if r.Status != "failed" || r.Error == nil || !strings.HasPrefix(*r.Error, prefix) {
			t.Errorf("%s: %s %v\nwant an error starting with\n%s", r.Source, r.Status, deref(r.Error), prefix)
		}
	}
	var text, errOut bytes.Buffer
	if code, _ := runCLI(&text, &errOut, "sources", "check", "--config", cfgPath); code != 2 ||
		!strings.Contains(text.String(), "SOURCE   STATUS  SECONDS  CHECK\nhubspot  failed") ||
		!strings.Contains(text.String(), "\nfiles: files: the imports folder cannot be read") {
		t.Fatalf("table output, exit %d:\n%s", code, text.String())
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// Each source's limiter keeps to the vendor's documented limits, or to
// the ones rate_limit sets, and rate_limit enabled: false turns it off.
func TestLimitsFollowTheConfiguration(t *testing.T) {
	off := false
	cfg := &config.Config{Sources: config.Sources{
		HubSpot: &config.HubSpot{Source: config.Source{RateLimit: &config.RateLimit{Requests: 190}}},
		Harvest: &config.Harvest{},
		Xero:    &config.Xero{Source: config.Source{RateLimit: &config.RateLimit{Enabled: &off}}},
		Files:   &config.Files{},
	}}
	describe := func(l httpapi.Limits) string {
		var parts []string
		for _, w := range l.Windows {
			parts = append(parts, w.Name+"="+strconv.Itoa(w.Requests)+"/"+w.Per.String()+" burst "+strconv.Itoa(w.Burst)+" "+w.RemainingHeader)
		}
		return l.Vendor + " concurrent " + strconv.Itoa(l.Concurrent) + ": " + strings.Join(parts, "; ")
	}
	for _, tc := range []struct{ got, want string }{
		{describe(hubspotLimits(cfg.Sources.HubSpot.RateLimit)), "hubspot concurrent 0: 10 s=190/10s burst 0 X-HubSpot-RateLimit-Remaining; second=19/1s burst 0 X-HubSpot-RateLimit-Secondly-Remaining; search=4/1s burst 0 ; day=250000/24h0m0s burst 250000 X-HubSpot-RateLimit-Daily-Remaining"},
		{describe(harvestLimits(nil)), "harvest concurrent 0: 15 s=100/15s burst 0 "},
		{describe(xeroLimits(nil)), "xero concurrent 5: minute=60/1m0s burst 60 X-MinLimit-Remaining; day=5000/24h0m0s burst 5000 X-DayLimit-Remaining; app minute=10000/1m0s burst 10000 X-AppMinLimit-Remaining"},
	} {
		if tc.got != tc.want {
			t.Errorf("limits\n%s\nwant\n%s", tc.got, tc.want)
		}
	}
	for name, wantNil := range map[string]bool{"hubspot": false, "harvest": false, "xero": true, "files": true} {
		l, err := limiterFor(name, cfg)
		if err != nil || (l == nil) != wantNil {
			t.Errorf("limiterFor(%s) = %v, %v; want nil %v", name, l, err, wantNil)
		}
	}
}

// Without a running serve, takt schedule lists what serve would do if it
// started now: every job that never ran catches up at once, then follows
// its schedule; sources without a schedule are named.
func TestScheduleWithoutServe(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "takt.yaml")
	if err := os.WriteFile(cfgPath, []byte(`company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
sources:
  harvest: {token_env: T, account_id_env: A, schedule: "0 * * * *", full_refresh_schedule: "30 2 * * *"}
  files: {dir: imports}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code, err := runCLI(&out, &errOut, "schedule", "--config", cfgPath, "--format", "json", "--next", "2"); code != 0 {
		t.Fatalf("takt schedule: %d %v\n%s", code, err, errOut.String())
	}
	var s scheduleJSON
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Serving || len(s.Jobs) != 2 || strings.Join(s.Unscheduled, ",") != "files" {
		t.Fatalf("schedule: %s", out.String())
	}
	now := time.Now().UTC()
	for i, want := range []struct {
		job    string
		second func(time.Time) bool
	}{
		{"harvest", func(t time.Time) bool { return t.Minute() == 0 && t.After(now) && t.Before(now.Add(time.Hour)) }},
		{"harvest full refresh", func(t time.Time) bool { return t.Hour() == 2 && t.Minute() == 30 }},
	} {
		j := s.Jobs[i]
		if j.Job != want.job || !j.CatchUp || j.LastRun != nil || len(j.Next) != 2 || j.Next[0].Sub(now).Abs() > time.Minute || !want.second(j.Next[1]) || j.State != "scheduled" {
			t.Errorf("job %d: %+v", i, j)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "takt.duckdb")); !os.IsNotExist(err) {
		t.Fatalf("takt schedule created a warehouse: %v", err)
	}
	out.Reset()
	if code, _ := runCLI(&out, &errOut, "schedule", "--config", cfgPath); code != 0 || !strings.Contains(out.String(), "takt serve is not running; started now it would run:") ||
		!strings.Contains(out.String(), "harvest full refresh  30 2 * * *") || !strings.Contains(out.String(), "files                 -") {
		t.Fatalf("table:\n%s", out.String())
	}
}
