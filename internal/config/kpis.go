package config

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/money"
)

// KPIs configures KPI baselines and targets, under "kpis:" in takt.yaml.
// Both are optional: without a configured baseline a KPI's baseline is the
// median of its first three complete months; without a target none is
// shown. Changing either is recorded as a new definition of the KPI.
type KPIs struct {
	// Baselines replace the computed baseline of the KPIs they name, e.g.
	// dso_days: "45". Values are decimal numbers in the KPI's unit.
	Baselines map[string]string `yaml:"baselines"`
	// Targets are the values the firm steers each KPI towards, with the
	// role that owns the target.
	Targets map[string]KPITarget `yaml:"targets"`
	// Holidays are the firm's public holidays (YYYY-MM-DD), which do not
	// count as working days for "invoiced within 5 working days after
	// month end". They differ by country and state, so takt ships none.
	Holidays []string `yaml:"holidays"`
}

// KPITarget is one KPI's target.
type KPITarget struct {
	// Value is a decimal number in the KPI's unit: days, percent (0 to
	// 100), share (0 to 1) or an amount in the base currency.
	Value string `yaml:"value"`
	// OwnerRole is the role accountable for the target (a role, not a
	// person), e.g. "Head of Receivables".
	OwnerRole string `yaml:"owner_role"`
}

// KPIUnits maps every KPI takt computes (its name in `takt kpi --format
// json`) to its unit: days, percent, share or money. The SQL layer's
// marts.kpi_definitions holds the same names; a test keeps them equal.
var KPIUnits = map[string]string{
	"dso_days":                       "days",
	"dso_3m_days":                    "days",
	"dso_countback_days":             "days",
	"best_possible_dso_days":         "days",
	"average_days_delinquent":        "days",
	"cei_percent":                    "percent",
	"ar_aging_not_due":               "money",
	"ar_aging_1_30":                  "money",
	"ar_aging_31_60":                 "money",
	"ar_aging_61_90":                 "money",
	"ar_aging_over_90":               "money",
	"time_to_invoice_median_days":    "days",
	"time_to_invoice_p90_days":       "days",
	"time_to_invoice_mean_days":      "days",
	"invoiced_within_5_working_days": "share",
	"unbilled_amount":                "money",
	"correction_rate":                "share",
	"correction_rate_amount":         "share",
	"dunning_rate":                   "share",
	"dunning_rate_level_1":           "share",
	"dunning_rate_level_2":           "share",
	"dunning_rate_level_3":           "share",
	"dunning_fees":                   "money",
	"automation_share":               "share",
	"automation_share_amount":        "share",
}

// BaselineValues returns the configured baselines as decimals; Load has
// checked that they parse.
func (k KPIs) BaselineValues() map[string]decimal.Decimal {
	out := map[string]decimal.Decimal{}
	for name, v := range k.Baselines {
		if d, err := money.Parse(v); err == nil {
			out[name] = d
		}
	}
	return out
}

// HolidayDates returns the configured holidays as UTC dates, ascending and
// without repeats; Load has checked that they parse.
func (k KPIs) HolidayDates() []time.Time {
	var out []time.Time
	for _, s := range k.Holidays {
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, time.Time.Compare)
	return slices.CompactFunc(out, time.Time.Equal)
}

// TargetValue returns a target's value as a decimal; Load has checked
// that it parses.
func (t KPITarget) TargetValue() decimal.Decimal {
	d, _ := money.Parse(t.Value)
	return d
}

func (v *validator) checkKPIs(c *KPIs) {
	for i, s := range c.Holidays {
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			v.fail(fmt.Sprintf("kpis.holidays[%d]", i), "%q is not a date; expected YYYY-MM-DD like 2026-12-25", s)
		}
	}
	for _, name := range sortedKeys(c.Baselines) {
		v.kpiValue("kpis.baselines."+name, name, c.Baselines[name])
	}
	for _, name := range sortedKeys(c.Targets) {
		t := c.Targets[name]
		key := "kpis.targets." + name
		if !v.kpiValue(key+".value", name, t.Value) {
			continue
		}
		if strings.TrimSpace(t.OwnerRole) == "" {
			v.fail(key+".owner_role", "missing; expected the role that owns the target, e.g. owner_role: Head of Receivables")
		}
	}
}

// kpiValue checks that name is a KPI and value a number in its unit.
func (v *validator) kpiValue(key, name, value string) bool {
	unit, ok := KPIUnits[name]
	if !ok {
		v.fail(key, "%q is not a KPI; expected one of %s", name, strings.Join(sortedKeys(KPIUnits), ", "))
		return false
	}
	d, err := money.Parse(value)
	if err != nil {
		v.fail(key, "%q is not a number; expected a decimal in %s like %s", value, unitWords[unit], unitExample[unit])
		return false
	}
	switch {
	case unit == "share" && (d.IsNegative() || d.GreaterThan(decimal.NewFromInt(1))):
		v.fail(key, "%s is not a share; expected a number between 0 and 1 like 0.15 (for 15 %%)", value)
	case unit == "percent" && (d.IsNegative() || d.GreaterThan(decimal.NewFromInt(100))):
		v.fail(key, "%s is not a percentage; expected a number between 0 and 100", value)
	case (unit == "days" || unit == "money") && d.IsNegative():
		v.fail(key, "%s is negative; expected %s of 0 or more", value, unitWords[unit])
	default:
		return true
	}
	return false
}

var (
	unitWords   = map[string]string{"days": "days", "percent": "percent", "share": "a share from 0 to 1", "money": "an amount in the base currency"}
	unitExample = map[string]string{"days": "\"30\"", "percent": "\"85\"", "share": "\"0.15\"", "money": "\"25000.00\""}
)

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
