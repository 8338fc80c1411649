//go:build duckdb_arrow

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInitWritesAValidConfigOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "takt.yaml")
	var out, errOut bytes.Buffer
	if code, err := runCLI(&out, &errOut, "init", "--config", cfg); code != 0 {
		t.Fatalf("init: %d %v", code, err)
	}
	if !strings.Contains(out.String(), "wrote "+cfg) {
		t.Fatalf("output %q", out.String())
	}
	out.Reset()
	code, err := runCLI(&out, &errOut, "init", "--config", cfg)
	if code != 1 || err == nil || !strings.Contains(err.Error(), "exists; edit it, or pass --force") {
		t.Fatalf("second init: %d %v", code, err)
	}
	// The example is complete: with its credentials missing, run stops at
	// the first secret and names it, before touching the warehouse.
	for _, v := range []string{"TAKT_HUBSPOT_TOKEN", "TAKT_HARVEST_TOKEN", "TAKT_HARVEST_ACCOUNT_ID"} {
		os.Unsetenv(v)
	}
	code, err = runCLI(&out, &errOut, "run", "--config", cfg)
	if code != 1 || err == nil || err.Error() != cfg+": sources.hubspot.token_env: environment variable TAKT_HUBSPOT_TOKEN is not set; export it with the credential before running takt" {
		t.Fatalf("run without credentials: %d %v", code, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "takt.duckdb")); !os.IsNotExist(err) {
		t.Fatalf("a run that could not start created the warehouse: %v", err)
	}
}

func TestBadConfigFailsAtStartAndTouchesNothing(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "takt.yaml")
	bad := `company:
  name: Nordlicht Consulting GmbH
  base_currency: euro
  home_country: DE
  vat_rates: {standard: "19"}
sources:
  harvest:
    base_url: api.harvestapp.com
    token_env: TAKT_HARVEST_TOKEN
    account_id_env: TAKT_HARVEST_ACCOUNT_ID
`
	if err := os.WriteFile(cfg, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"run"}, {"unbilled"}, {"exceptions"}, {"kpi", "--month", "2026-03"}, {"report", "--month", "2026-03"}} {
		var out, errOut bytes.Buffer
		code, err := runCLI(&out, &errOut, append(args, "--config", cfg)...)
		if code != 1 || err == nil {
			t.Fatalf("%v: exit %d, %v", args, code, err)
		}
		for _, want := range []string{
			cfg + `:3: company.base_currency: "euro" is not a currency code; expected ISO 4217 like EUR`,
			cfg + `:8: sources.harvest.base_url: "api.harvestapp.com" is not an http(s) URL`,
		} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%v: error %q does not contain %q", args, err, want)
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("a bad config left files behind: %v", entries)
	}
}

func TestReadCommandsNeedAWarehouse(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "takt.yaml")
	if err := os.WriteFile(cfg, []byte("company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: \"19\"}}\nsources: {files: {dir: imports}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	_, err := runCLI(&out, &errOut, "unbilled", "--config", cfg)
	if err == nil || err.Error() != "no warehouse at "+filepath.Join(dir, "takt.duckdb")+": run `takt run` (or `takt demo`) first" {
		t.Fatalf("unbilled without a warehouse: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "takt.duckdb")); !os.IsNotExist(err) {
		t.Fatalf("a read command created the warehouse")
	}
}

func TestFormatFlagIsChecked(t *testing.T) {
	var out, errOut bytes.Buffer
	_, err := runCLI(&out, &errOut, "unbilled", "--format", "xml")
	if err == nil || err.Error() != `--format "xml": expected table or json` {
		t.Fatalf("err = %v", err)
	}
}
