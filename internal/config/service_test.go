package config

import (
	"strings"
	"testing"
	"time"
)

func TestServiceAndRateLimits(t *testing.T) {
	cfg, err := Parse("t.yaml", []byte(`
company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
service: {addr: "0.0.0.0:9000", stop_timeout: 2m}
sources:
  hubspot: {token_env: T, schedule: "*/15 * * * *", full_refresh_schedule: "0 2 * * *", rate_limit: {requests: 190, daily: 650000}}
  harvest: {token_env: T, account_id_env: A, rate_limit: {enabled: false}}
  xero: {client_id_env: C, client_secret_env: S, tenant_id_env: X}
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Service.Addr != "0.0.0.0:9000" || cfg.Service.StopTimeout != 2*time.Minute || cfg.Sources.HubSpot.FullRefreshSchedule != "0 2 * * *" {
		t.Fatalf("service: %+v", cfg.Service)
	}
	h := cfg.Sources.HubSpot.RateLimit
	if h.Requests != 190 || h.Daily != 650000 || !h.IsEnabled() || cfg.Sources.Harvest.RateLimit.IsEnabled() || !cfg.Sources.Xero.RateLimit.IsEnabled() {
		t.Fatalf("rate limits: hubspot %+v, harvest %+v, xero %+v", h, cfg.Sources.Harvest.RateLimit, cfg.Sources.Xero.RateLimit)
	}

	cfg, err = Parse("t.yaml", []byte(`
company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
sources: {files: {dir: imports}}
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Service.Addr != DefaultServiceAddr || cfg.Service.StopTimeout != 30*time.Second {
		t.Fatalf("service defaults: %+v", cfg.Service)
	}
}

func TestServiceAndRateLimitErrors(t *testing.T) {
	_, err := Parse("t.yaml", []byte(`
company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
service:
  addr: "localhost"
  stop_timeout: -1s
sources:
  hubspot:
    token_env: T
    rate_limit: {requests: -5, concurrent: 500}
  harvest:
    token_env: T
    account_id_env: A
    rate_limit: {daily: 10}
  files:
    dir: imports
    rate_limit: {requests: 1}
    full_refresh_schedule: "nightly"
`))
	want := []string{
		`t.yaml:4: service.addr: "localhost" is not a listen address; expected host:port like 127.0.0.1:8080`,
		`t.yaml:5: service.stop_timeout: -1s is out of range; expected a duration between 1s and 1h like 30s`,
		`t.yaml:16: sources.files.rate_limit: files are read from a folder, not an API; remove rate_limit`,
		`t.yaml:17: sources.files.full_refresh_schedule: "nightly" is not a cron schedule (expected exactly 5 fields, found 1: [nightly]); expected five fields like "15 * * * *"`,
		`t.yaml:13: sources.harvest.rate_limit.daily: Harvest has no daily limit; remove daily`,
		`t.yaml:9: sources.hubspot.rate_limit.requests: -5 is out of range; expected the number of requests the vendor allows per window, or leave it out for the documented default`,
		`t.yaml:9: sources.hubspot.rate_limit.concurrent: 500 is out of range; expected 0 (no cap) to 100`,
	}
	if err == nil {
		t.Fatal("accepted")
	}
	got := strings.Split(err.Error(), "\n")
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("missing error\n%s\nin\n%s", w, err)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d errors, want %d:\n%s", len(got), len(want), err)
	}
}
