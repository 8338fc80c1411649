package pipeline

import (
	"context"
	"log/slog"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/config"
	"github.com/takt-billing/takt/internal/incident"
)

// IncidentSettings are what the automatic incidents need from takt.yaml:
// the incidents section, and the KPI targets (kpis.targets) a crossing is
// judged against.
type IncidentSettings struct {
	Incidents  config.Incidents
	KPITargets map[string]config.KPITarget
}

// IncidentRules turns the incidents section of takt.yaml into the rules
// the detector runs; unset values take their defaults. ok is false when
// automatic incidents are off.
func IncidentRules(c config.Incidents) (rules incident.Rules, ok bool) {
	c = c.WithDefaults()
	rule := func(r config.IncidentRule) incident.Rule {
		sev, err := incident.ParseSeverity(r.Severity)
		if err != nil {
			sev = incident.SEV3 // config validation refuses this; only an unchecked section gets here
		}
		return incident.Rule{Enabled: r.On(), Severity: sev}
	}
	rules = incident.Rules{
		FailedRun:            rule(c.FailedRun),
		StreamFailures:       rule(c.StreamFailures.IncidentRule),
		StreamFailuresInARow: c.StreamFailures.InARow,
		Findings:             rule(c.Finding.IncidentRule),
		KPITarget:            rule(c.KPITarget),
	}
	amount, err := decimal.NewFromString(strings.TrimSpace(c.Finding.Amount))
	if err != nil {
		amount = decimal.RequireFromString(config.DefaultFindingAmount)
	}
	rules.FindingAmount = amount
	for cur, a := range c.Finding.AmountByCurrency {
		if d, err := decimal.NewFromString(strings.TrimSpace(a)); err == nil {
			if rules.FindingAmountByCurrency == nil {
				rules.FindingAmountByCurrency = map[string]decimal.Decimal{}
			}
			rules.FindingAmountByCurrency[cur] = d
		}
	}
	return rules, c.AutomaticOn()
}

// detectIncidents evaluates the automatic incident rules once the run is
// recorded, so a failed run, a stream that keeps failing, a large finding
// or a KPI crossing its target opens a draft incident (once per cause). It
// never changes how the run ended: a rule that fails is logged. A run the
// user interrupted is not judged. A run that only extracted built no
// findings or KPIs, so only the rules about runs and streams apply to it.
func (p *Pipeline) detectIncidents(ctx context.Context, runID int64, extractOnly bool, log *slog.Logger) {
	if ctx.Err() != nil {
		return
	}
	rules, on := IncidentRules(p.Incidents.Incidents)
	if !on {
		return
	}
	if extractOnly {
		rules.Findings.Enabled, rules.KPITarget.Enabled = false, false
	}
	targets := map[string]incident.KPITarget{}
	for kpi, t := range p.Incidents.KPITargets {
		targets[kpi] = incident.KPITarget{Value: t.TargetValue(), OwnerRole: t.OwnerRole}
	}
	d := &incident.Detector{
		Store:   incident.NewStore(p.Warehouse.DB, incident.Options{Logger: log}),
		Rules:   rules,
		Targets: incident.KPIValues{DB: p.Warehouse.DB, Targets: targets},
		Logger:  log,
	}
	out, err := d.Detect(ctx, runID)
	if err != nil {
		log.Warn("automatic incidents could not all be evaluated", "error", err)
	}
	if out == nil {
		return
	}
	for _, id := range out.Opened {
		log.Warn("draft incident opened; see `takt incident show`", "incident", id)
	}
	if len(out.Updated) > 0 {
		log.Info("evidence added to open incidents", "incidents", out.Updated)
	}
}
