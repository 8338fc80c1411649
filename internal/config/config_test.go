package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExampleIsValid(t *testing.T) {
	cfg, err := Parse("takt.yaml", Example())
	if err != nil {
		t.Fatalf("the example `takt init` writes does not validate: %v", err)
	}
	if cfg.Company.BaseCurrency != "EUR" || cfg.Sources.Harvest.BaseURL != DefaultHarvestURL || cfg.Reports.Lang != "de" {
		t.Fatalf("unexpected example values: %+v", cfg.Company)
	}
	if !cfg.Sources.Xero.IsEnabled() || cfg.Sources.Xero.TokenURL != DefaultXeroTokenURL {
		t.Fatalf("xero: %+v", cfg.Sources.Xero)
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := Parse("t.yaml", []byte(`
company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
sources:
  harvest: {token_env: T, account_id_env: A}
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Sources.Harvest.BaseURL != DefaultHarvestURL || cfg.Warehouse.Path != "takt.duckdb" ||
		cfg.Warehouse.Threads != 2 || cfg.Warehouse.MemoryLimit != "2GB" || cfg.Company.PaymentTermsDays != 30 ||
		cfg.Reports.Lang != "en" || cfg.Reconcile.StaleAfterDays != 60 {
		t.Fatalf("defaults not applied: %+v", cfg)
	}
}

func TestErrorsNameFileLineKeyAndExpectation(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"bad currency", `
company:
  name: X
  base_currency: euro
  home_country: DE
  vat_rates: {standard: "19"}
sources: {files: {dir: imports}}
`, []string{"t.yaml:4: company.base_currency: \"euro\" is not a currency code; expected ISO 4217 like EUR"}},
		{"unknown key", `
company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
sources:
  harvest: {token_env: T, account_id_env: A, acount: 1}
`, []string{"t.yaml: line 4: field acount not found"}},
		{"secret in file", `
company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
sources:
  hubspot:
    token_env: pat-eu1-1234-abcd
`, []string{"t.yaml:5: sources.hubspot.token_env: \"pat-eu1-1234-abcd\" is not an environment variable name"}},
		{"bad url and schedule", `
company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
sources:
  xero:
    base_url: ftp://xero
    schedule: every hour
    client_id_env: A
    client_secret_env: B
    tenant_id_env: C
`, []string{
			"t.yaml:5: sources.xero.base_url: \"ftp://xero\" is not an http(s) URL",
			"t.yaml:6: sources.xero.schedule: \"every hour\" is not a cron schedule",
		}},
		{"no sources", `
company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
`, []string{"t.yaml: sources: no source configured"}},
		{"vat rate", `
company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: "19%"}}
sources: {files: {dir: imports}}
`, []string{"company.vat_rates.standard: \"19%\" is not a percentage"}},
		{"not yaml", "company: [", []string{"t.yaml: not valid YAML"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n  %v\ndoes not contain\n  %s", err, w)
				}
			}
		})
	}
}

func TestSecretNamesKeyAndVariableNotValue(t *testing.T) {
	cfg := &Config{File: "takt.yaml"}
	t.Setenv("TAKT_TEST_SECRET", "s3cret")
	v, err := cfg.Secret("sources.hubspot.token_env", "TAKT_TEST_SECRET")
	if err != nil || v != "s3cret" {
		t.Fatalf("Secret = %q, %v", v, err)
	}
	os.Unsetenv("TAKT_TEST_MISSING")
	_, err = cfg.Secret("sources.hubspot.token_env", "TAKT_TEST_MISSING")
	if err == nil || err.Error() != "takt.yaml: sources.hubspot.token_env: environment variable TAKT_TEST_MISSING is not set; export it with the credential before running takt" {
		t.Fatalf("err = %v", err)
	}
}

func TestPathsRelativeToFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "takt.yaml")
	if err := os.WriteFile(p, Example(), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Path(cfg.Warehouse.Path); got != filepath.Join(dir, "takt.duckdb") {
		t.Fatalf("warehouse path = %s", got)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "takt init") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestIdentityPins(t *testing.T) {
	base := "company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: \"19\"}}\nsources: {files: {dir: imports}}\n"
	ok := base + `identities:
  customers:
    - same: {hubspot: "1", xero: "X2"}
      reason: Xero keeps the old name
    - different: {hubspot: "2", xero: "X2"}
      reason: two subsidiaries
  projects:
    - same: {harvest: "1000", hubspot: "11"}
      reason: project opened before the deal closed
`
	cfg, err := Parse("t.yaml", []byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Identities.Customers) != 2 || cfg.Identities.Projects[0].Same["harvest"] != "1000" {
		t.Fatalf("parsed %+v", cfg.Identities)
	}
	bad := base + `identities:
  customers:
    - same: {hubspot: "1"}
    - same: {hubspot: "1", crm: "9"}
      reason: r
    - same: {hubspot: "3", xero: "X3"}
      different: {hubspot: "3", xero: "X4"}
      reason: r
`
	_, err = Parse("t.yaml", []byte(bad))
	for _, want := range []string{
		"t.yaml:5: identities.customers.0.reason: missing; a pin needs a reason",
		"identities.customers.0.same: names 1 system",
		"identities.customers.1.same.crm: unknown system",
		"identities.customers.1.same.hubspot: hubspot 1 is already pinned by rule 0",
		"identities.customers.2: expected exactly one of same or different",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\ndoes not contain %q", err, want)
		}
	}
}
