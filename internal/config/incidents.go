package config

import (
	"regexp"
	"strings"

	"github.com/takt-billing/takt/internal/money"
)

// Incidents configures the incident log, under "incidents:" in takt.yaml:
// which automatic rules open draft incidents after a run, how severe those
// start, and the roles follow-ups may be owned by. Every field has a
// default, so the section may be left out.
type Incidents struct {
	// Automatic turns every automatic rule on or off; default true.
	Automatic *bool `yaml:"automatic"`
	// FailedRun opens a draft when a pipeline run fails; default SEV3.
	FailedRun IncidentRule `yaml:"failed_run"`
	// StreamFailures opens a draft when a stream fails InARow runs in a
	// row; default 3 runs, SEV3.
	StreamFailures StreamFailureRule `yaml:"stream_failures"`
	// Finding opens a draft for a reconciliation finding whose amount at
	// stake reaches Amount; default 1000.00, SEV2.
	Finding FindingRule `yaml:"finding"`
	// KPITarget opens a draft when a KPI crosses its target; default SEV3.
	KPITarget IncidentRule `yaml:"kpi_target"`
	// FollowUpRoles, when set, are the only roles a follow-up may be
	// owned by (follow-ups are owned by roles, never by people).
	FollowUpRoles []string `yaml:"follow_up_roles"`
}

// IncidentRule switches one automatic rule and sets the severity (SEV1 to
// SEV4) its drafts start with.
type IncidentRule struct {
	Enabled  *bool  `yaml:"enabled"`
	Severity string `yaml:"severity"`
}

// On reports whether the rule runs; enabled defaults to true.
func (r IncidentRule) On() bool { return r.Enabled == nil || *r.Enabled }

// StreamFailureRule is the rule for streams that keep failing.
type StreamFailureRule struct {
	IncidentRule `yaml:",inline"`
	// InARow is how many runs in a row a stream must fail; default 3.
	InARow int `yaml:"in_a_row"`
}

// FindingRule is the rule for large reconciliation findings.
type FindingRule struct {
	IncidentRule `yaml:",inline"`
	// Amount is the smallest amount at stake (absolute, in the finding's
	// own currency) that opens an incident; default "1000.00".
	Amount string `yaml:"amount"`
	// AmountByCurrency overrides Amount for findings in a currency.
	AmountByCurrency map[string]string `yaml:"amount_by_currency"`
}

// Defaults of the incidents section.
const (
	DefaultStreamFailuresInARow = 3
	DefaultFindingAmount        = "1000.00"
	DefaultFailedRunSeverity    = "SEV3"
	DefaultStreamSeverity       = "SEV3"
	DefaultFindingSeverity      = "SEV2"
	DefaultKPITargetSeverity    = "SEV3"
)

// AutomaticOn reports whether automatic incidents are on; default true.
func (c Incidents) AutomaticOn() bool { return c.Automatic == nil || *c.Automatic }

// WithDefaults returns the section with every unset value at its default,
// for callers that hold a section not read through Load.
func (c Incidents) WithDefaults() Incidents {
	if c.FailedRun.Severity == "" {
		c.FailedRun.Severity = DefaultFailedRunSeverity
	}
	if c.StreamFailures.Severity == "" {
		c.StreamFailures.Severity = DefaultStreamSeverity
	}
	if c.StreamFailures.InARow == 0 {
		c.StreamFailures.InARow = DefaultStreamFailuresInARow
	}
	if c.Finding.Severity == "" {
		c.Finding.Severity = DefaultFindingSeverity
	}
	if c.Finding.Amount == "" {
		c.Finding.Amount = DefaultFindingAmount
	}
	if c.KPITarget.Severity == "" {
		c.KPITarget.Severity = DefaultKPITargetSeverity
	}
	return c
}

var severityRe = regexp.MustCompile(`^SEV[1-4]$`)

func (v *validator) checkIncidents(c *Incidents) {
	*c = c.WithDefaults()
	for key, sev := range map[string]*string{
		"incidents.failed_run.severity":      &c.FailedRun.Severity,
		"incidents.stream_failures.severity": &c.StreamFailures.Severity,
		"incidents.finding.severity":         &c.Finding.Severity,
		"incidents.kpi_target.severity":      &c.KPITarget.Severity,
	} {
		*sev = strings.ToUpper(strings.TrimSpace(*sev))
		if !severityRe.MatchString(*sev) {
			v.fail(key, "%q is not a severity; expected SEV1 (critical), SEV2 (major), SEV3 (minor) or SEV4 (low)", *sev)
		}
	}
	if c.StreamFailures.InARow < 1 || c.StreamFailures.InARow > 100 {
		v.fail("incidents.stream_failures.in_a_row", "%d is out of range; expected a number of runs from 1 to 100", c.StreamFailures.InARow)
	}
	if d, err := money.Parse(c.Finding.Amount); err != nil || d.IsNegative() {
		v.fail("incidents.finding.amount", "%q is not an amount; expected a non-negative decimal like \"1000.00\"", c.Finding.Amount)
	}
	for cur, a := range c.Finding.AmountByCurrency {
		key := "incidents.finding.amount_by_currency." + cur
		if !currencyRe.MatchString(cur) {
			v.fail(key, "%q is not a currency code; expected ISO 4217 like GBP", cur)
		}
		if d, err := money.Parse(a); err != nil || d.IsNegative() {
			v.fail(key, "%q is not an amount; expected a non-negative decimal like \"850.00\"", a)
		}
	}
	seen := map[string]bool{}
	for i, r := range c.FollowUpRoles {
		r = strings.TrimSpace(r)
		c.FollowUpRoles[i] = r
		switch {
		case r == "":
			v.fail("incidents.follow_up_roles", "entry %d is empty; expected a role such as Billing Lead", i+1)
		case seen[strings.ToLower(r)]:
			v.fail("incidents.follow_up_roles", "%q is listed twice", r)
		}
		seen[strings.ToLower(r)] = true
	}
}
