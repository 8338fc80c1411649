package config

import (
	"reflect"
	"strings"
	"testing"
)

const incidentsBase = `company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
sources: {files: {dir: imports}}
`

func TestIncidentsDefaultWhenLeftOut(t *testing.T) {
	cfg, err := Parse("takt.yaml", []byte(incidentsBase))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Incidents
	if !c.AutomaticOn() || !c.FailedRun.On() || !c.StreamFailures.On() || !c.Finding.On() || !c.KPITarget.On() ||
		c.FailedRun.Severity != "SEV3" || c.StreamFailures.Severity != "SEV3" || c.StreamFailures.InARow != 3 ||
		c.Finding.Severity != "SEV2" || c.Finding.Amount != "1000.00" || c.KPITarget.Severity != "SEV3" || len(c.FollowUpRoles) != 0 {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestIncidentsExampleValues(t *testing.T) {
	cfg, err := Parse("takt.yaml", Example())
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Incidents
	if c.Finding.Amount != "1000.00" || !reflect.DeepEqual(c.Finding.AmountByCurrency, map[string]string{"GBP": "850.00"}) ||
		!reflect.DeepEqual(c.FollowUpRoles, []string{"Controller", "Head of Finance", "Billing Lead", "Data Engineer", "Project Lead"}) {
		t.Fatalf("example: %+v", c)
	}
}

func TestIncidentsRulesCanBeTurnedOffAndTuned(t *testing.T) {
	cfg, err := Parse("takt.yaml", []byte(incidentsBase+`incidents:
  failed_run: {enabled: false}
  stream_failures: {in_a_row: 5, severity: sev2}
  finding: {amount: "250", amount_by_currency: {CHF: "300.00"}}
`))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Incidents
	if c.FailedRun.On() || c.StreamFailures.InARow != 5 || c.StreamFailures.Severity != "SEV2" || c.Finding.Amount != "250" ||
		c.Finding.AmountByCurrency["CHF"] != "300.00" || !c.AutomaticOn() {
		t.Fatalf("tuned: %+v", c)
	}
}

func TestIncidentsErrorsNameLineKeyAndWhatIsExpected(t *testing.T) {
	_, err := Parse("takt.yaml", []byte(incidentsBase+`incidents:
  failed_run: {severity: SEV5}
  stream_failures: {in_a_row: -1}
  finding:
    amount: "lots"
    amount_by_currency: {euro: "5", GBP: "-1"}
  follow_up_roles: [Controller, controller, ""]
`))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`takt.yaml:4: incidents.failed_run.severity: "SEV5" is not a severity; expected SEV1 (critical), SEV2 (major), SEV3 (minor) or SEV4 (low)`,
		`takt.yaml:5: incidents.stream_failures.in_a_row: -1 is out of range; expected a number of runs from 1 to 100`,
		`takt.yaml:7: incidents.finding.amount: "lots" is not an amount; expected a non-negative decimal like "1000.00"`,
		`takt.yaml:8: incidents.finding.amount_by_currency.euro: "euro" is not a currency code; expected ISO 4217 like GBP`,
		`takt.yaml:8: incidents.finding.amount_by_currency.GBP: "-1" is not an amount; expected a non-negative decimal like "850.00"`,
		`takt.yaml:9: incidents.follow_up_roles: "controller" is listed twice`,
		`takt.yaml:9: incidents.follow_up_roles: entry 3 is empty; expected a role such as Billing Lead`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q:\n%v", want, err)
		}
	}
}
