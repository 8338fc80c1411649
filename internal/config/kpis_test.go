package config

import (
	"strings"
	"testing"
)

func TestKPIsSection(t *testing.T) {
	cfg, err := Parse("t.yaml", []byte(`
company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
kpis:
  baselines: {dso_days: 45, correction_rate: "0.050"}
  targets:
    dso_days: {value: 35.5, owner_role: Head of Receivables}
    cei_percent: {value: "90", owner_role: Credit controller}
  holidays: ["2026-12-25", "2026-01-01", "2026-12-25"]
sources: {files: {dir: imports}}
`))
	if err != nil {
		t.Fatal(err)
	}
	var days []string
	for _, d := range cfg.KPIs.HolidayDates() {
		days = append(days, d.Format("2006-01-02"))
	}
	if strings.Join(days, ",") != "2026-01-01,2026-12-25" {
		t.Errorf("holidays: %v", days)
	}
	b := cfg.KPIs.BaselineValues()
	if b["dso_days"].String() != "45" || b["correction_rate"].String() != "0.05" || len(b) != 2 {
		t.Errorf("baselines: %v", b)
	}
	tg := cfg.KPIs.Targets["dso_days"]
	if tg.TargetValue().String() != "35.5" || tg.OwnerRole != "Head of Receivables" || cfg.KPIs.Targets["cei_percent"].TargetValue().String() != "90" {
		t.Errorf("targets: %+v", cfg.KPIs.Targets)
	}
}

func TestKPIsSectionErrors(t *testing.T) {
	_, err := Parse("t.yaml", []byte(`
company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
kpis:
  baselines:
    dso: 45
    dunning_rate: "15%"
  targets:
    correction_rate: {value: "2", owner_role: Billing}
    cei_percent: {value: "101", owner_role: Billing}
    dso_days: {value: "-1", owner_role: Billing}
    unbilled_amount: {value: "20000"}
  holidays: ["24.12.2026"]
sources: {files: {dir: imports}}
`))
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		`t.yaml:12: kpis.holidays[0]: "24.12.2026" is not a date; expected YYYY-MM-DD like 2026-12-25`,
		`t.yaml:5: kpis.baselines.dso: "dso" is not a KPI; expected one of ar_aging_1_30, ar_aging_31_60,`,
		`t.yaml:6: kpis.baselines.dunning_rate: "15%" is not a number; expected a decimal in a share from 0 to 1 like "0.15"`,
		`t.yaml:9: kpis.targets.cei_percent.value: 101 is not a percentage; expected a number between 0 and 100`,
		`t.yaml:8: kpis.targets.correction_rate.value: 2 is not a share; expected a number between 0 and 1 like 0.15 (for 15 %)`,
		`t.yaml:10: kpis.targets.dso_days.value: -1 is negative; expected days of 0 or more`,
		`t.yaml:11: kpis.targets.unbilled_amount.owner_role: missing; expected the role that owns the target, e.g. owner_role: Head of Receivables`,
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d errors, want %d:\n%s", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("error %d:\n got %s\nwant %s...", i, lines[i], w)
		}
	}
}
