package config

import (
	"testing"
	"time"
)

func TestSyncSettings(t *testing.T) {
	cfg, err := Parse("t.yaml", []byte(`
company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
sources:
  harvest: {token_env: T, account_id_env: A, sync: {overlap: 10m, deletion_check_every: 1}}
  hubspot: {token_env: T, sync: {overlap: 0s}}
  xero: {client_id_env: C, client_secret_env: S, tenant_id_env: N}
`))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Sources
	if got := s.Harvest.OverlapOrDefault(); got != 10*time.Minute {
		t.Errorf("harvest overlap %s", got)
	}
	if got := s.Harvest.DeletionCheckEveryOrDefault(); got != 1 {
		t.Errorf("harvest deletion check every %d", got)
	}
	if got := s.HubSpot.OverlapOrDefault(); got != 0 {
		t.Errorf("hubspot overlap %s, want 0 (set)", got)
	}
	if s.Xero.OverlapOrDefault() != 5*time.Minute || s.Xero.DeletionCheckEveryOrDefault() != 12 {
		t.Errorf("xero defaults %s %d", s.Xero.OverlapOrDefault(), s.Xero.DeletionCheckEveryOrDefault())
	}
}

func TestSyncSettingsErrors(t *testing.T) {
	_, err := Parse("t.yaml", []byte(`
company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
sources:
  harvest:
    token_env: T
    account_id_env: A
    sync:
      overlap: -5m
      deletion_check_every: -1
`))
	want := "t.yaml:8: sources.harvest.sync.overlap: -5m0s is out of range; expected a duration between 0s and 24h like 5m\n" +
		"t.yaml:9: sources.harvest.sync.deletion_check_every: -1 is out of range; expected a number of runs, 1 or more"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}
