package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/money"
	sqlfiles "github.com/takt-billing/takt/sql"
)

// Rule names, as incidents record them in detected_by.
const (
	RuleFailedRun      = "failed_run"
	RuleStreamFailures = "stream_failures"
	RuleFinding        = "reconcile_finding"
	RuleKPITarget      = "kpi_target"
)

// Author is the author of every entry the automatic rules write.
const Author = "takt"

// Rule switches one automatic rule and sets the severity its drafts start
// with.
type Rule struct {
	Enabled  bool
	Severity Severity
}

// Rules configure the automatic incidents.
type Rules struct {
	// FailedRun opens a draft when a pipeline run fails; the failed runs
	// that follow it, up to the next run that does not fail, are linked to
	// the same incident.
	FailedRun Rule
	// StreamFailures opens a draft when a stream fails StreamFailuresInARow
	// of its runs in a row. The failing streams of one source gather in
	// one incident while it is being handled.
	StreamFailures       Rule
	StreamFailuresInARow int
	// Findings opens a draft for reconciliation findings whose amount at
	// stake (absolute, in the finding's own currency) is at least
	// FindingAmount, or FindingAmountByCurrency for that currency. The
	// findings one evaluation finds gather in one incident.
	Findings                Rule
	FindingAmount           decimal.Decimal
	FindingAmountByCurrency map[string]decimal.Decimal
	// KPITarget opens a draft when a KPI's latest final month misses its
	// target and the month with a figure before it met it (or there was
	// none).
	KPITarget Rule
}

// KPITargetStatus is how one KPI stood against its target in one month.
type KPITargetStatus struct {
	KPI    string
	Month  string // YYYY-MM
	Value  string
	Target string
	// Met is nil when the figure is undefined that month.
	Met       *bool
	OwnerRole string
}

// KPITargetSource tells how each KPI stood against its target, month by
// month. available is false while no targets are kept at all.
type KPITargetSource interface {
	KPITargetStatus(ctx context.Context) (rows []KPITargetStatus, available bool, err error)
}

// KPITarget is the configured target of one KPI (kpis.targets in
// takt.yaml).
type KPITarget struct {
	Value     decimal.Decimal
	OwnerRole string
}

// KPIValues judges the KPI models' monthly figures (marts.kpi_values)
// against configured targets, in the direction marts.kpi_definitions says
// is better. Provisional figures — the running month, a correction rate
// younger than 90 days — are left out: they still move, and a month whose
// DSO is high on its second day has not crossed anything yet.
type KPIValues struct {
	DB      *sql.DB
	Targets map[string]KPITarget
}

// KPITargetStatus implements KPITargetSource.
func (k KPIValues) KPITargetStatus(ctx context.Context) ([]KPITargetStatus, bool, error) {
	if len(k.Targets) == 0 {
		return nil, false, nil
	}
	for _, t := range []string{"kpi_values", "kpi_definitions"} {
		ok, err := relationExists(ctx, k.DB, "marts", t)
		if err != nil || !ok {
			return nil, false, err
		}
	}
	rows, err := k.DB.QueryContext(ctx, sqlfiles.Query("incident_kpi_values"))
	if err != nil {
		return nil, true, fmt.Errorf("incident: read marts.kpi_values: %w", err)
	}
	defer rows.Close()
	var out []KPITargetStatus
	for rows.Next() {
		var kpi, month, better string
		var value sql.NullString
		if err := rows.Scan(&kpi, &month, &value, &better); err != nil {
			return nil, true, fmt.Errorf("incident: read marts.kpi_values: %w", err)
		}
		t, ok := k.Targets[kpi]
		if !ok {
			continue
		}
		r := KPITargetStatus{KPI: kpi, Month: month, Target: t.Value.String(), OwnerRole: t.OwnerRole}
		if value.Valid {
			v, err := decimal.NewFromString(value.String)
			if err != nil {
				return nil, true, fmt.Errorf("incident: %s %s: value %q: %w", kpi, month, value.String, err)
			}
			met := v.LessThanOrEqual(t.Value)
			if better == "higher" {
				met = v.GreaterThanOrEqual(t.Value)
			}
			r.Value, r.Met = v.String(), &met
		}
		out = append(out, r)
	}
	return out, true, rows.Err()
}

// Detector evaluates the automatic rules against the warehouse.
type Detector struct {
	Store *Store
	Rules Rules
	// Targets is where KPI targets come from; nil turns the KPI rule into
	// a no-op that says so.
	Targets KPITargetSource
	Logger  *slog.Logger
}

// Outcome is what one evaluation did.
type Outcome struct {
	// Opened are the new draft incidents.
	Opened []int64
	// Updated are incidents that got new evidence or new causes.
	Updated []int64
	// Skipped names the rules that could not run yet, and why.
	Skipped []string
}

// detection is one cause a rule found.
type detection struct {
	rule  string
	key   string // stable per cause: the same cause never opens a second incident
	group string // causes that share an incident
	// attachToOpen adds new causes to the group's incident while it is
	// being handled, instead of opening another.
	attachToOpen bool
	title        string
	groupTitle   string // the title when several new causes open one incident
	severity     Severity
	impact       string
	groupImpact  string // the impact when several new causes open one incident
	note         string // written once, when the cause is first recorded
	evidence     []evidence
	runID        int64
}

type evidence struct {
	link Link
	note string // written when the link is new to the incident
}

// Detect evaluates every enabled rule after run runID (0 when not after a
// run) and opens or extends draft incidents. A rule that fails does not
// stop the others; their errors are joined.
func (d *Detector) Detect(ctx context.Context, runID int64) (*Outcome, error) {
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	out := &Outcome{}
	var errs []error
	var dets []detection
	collect := func(rule string, enabled bool, f func() ([]detection, string, error)) {
		if !enabled {
			return
		}
		got, skipped, err := f()
		if err != nil {
			errs = append(errs, fmt.Errorf("incident rule %s: %w", rule, err))
			return
		}
		if skipped != "" {
			log.Info("incident rule skipped", "rule", rule, "reason", skipped)
			out.Skipped = append(out.Skipped, rule+": "+skipped)
		}
		for i := range got {
			got[i].rule, got[i].runID = rule, runID
		}
		dets = append(dets, got...)
	}
	r := d.Rules
	collect(RuleFailedRun, r.FailedRun.Enabled, func() ([]detection, string, error) { return d.failedRuns(ctx) })
	collect(RuleStreamFailures, r.StreamFailures.Enabled, func() ([]detection, string, error) { return d.streamFailures(ctx) })
	collect(RuleFinding, r.Findings.Enabled, func() ([]detection, string, error) { return d.findings(ctx) })
	collect(RuleKPITarget, r.KPITarget.Enabled, func() ([]detection, string, error) { return d.kpiTargets(ctx) })

	var order []string
	groups := map[string][]detection{}
	for _, det := range dets {
		if _, ok := groups[det.group]; !ok {
			order = append(order, det.group)
		}
		groups[det.group] = append(groups[det.group], det)
	}
	for _, g := range order {
		var opened, updated []int64
		err := d.Store.inTx(ctx, func(tx *sql.Tx) error {
			var err error
			opened, updated, err = d.apply(ctx, tx, groups[g])
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("incident rule %s: %s: %w", groups[g][0].rule, g, err))
			continue
		}
		for _, id := range opened {
			log.Debug("incident opened", "incident", id, "rule", groups[g][0].rule, "run_id", runID)
		}
		out.Opened = append(out.Opened, opened...)
		out.Updated = appendNew(out.Updated, updated...)
	}
	return out, errors.Join(errs...)
}

func appendNew(s []int64, ids ...int64) []int64 {
	for _, id := range ids {
		if !slices.Contains(s, id) {
			s = append(s, id)
		}
	}
	return s
}

// apply records one group of detections in one transaction: causes seen
// before only add evidence their incident lacks; new causes join the
// group's incident or open a draft.
func (d *Detector) apply(ctx context.Context, tx *sql.Tx, dets []detection) (opened, updated []int64, err error) {
	s := d.Store
	known := map[string]int64{}
	var fresh []detection
	for _, det := range dets {
		var id int64
		err := tx.QueryRowContext(ctx, sqlfiles.Query("incident_detection_get"), det.key).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			fresh = append(fresh, det)
		case err != nil:
			return nil, nil, err
		default:
			known[det.key] = id
		}
	}
	states := map[int64]*state{}
	stateOf := func(id int64) (*state, error) {
		if st, ok := states[id]; ok {
			return st, nil
		}
		st, err := s.load(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		states[id] = st
		return st, nil
	}
	// active incidents are still being handled: evidence and new causes go
	// to them; a closed or dismissed one is history.
	active := func(st *state) bool { return st.status != Closed && st.status != Dismissed }
	pending := map[int64][]Event{}
	for _, det := range dets {
		id, ok := known[det.key]
		if !ok {
			continue
		}
		st, err := stateOf(id)
		if err != nil {
			return nil, nil, err
		}
		if active(st) {
			pending[id] = append(pending[id], newEvidence(st, det.evidence)...)
		}
	}
	if len(fresh) > 0 {
		var target int64
		for _, id := range known {
			st, err := stateOf(id)
			if err != nil {
				return nil, nil, err
			}
			if active(st) {
				target = max(target, id)
			}
		}
		if target == 0 && fresh[0].attachToOpen {
			err := tx.QueryRowContext(ctx, sqlfiles.Query("incident_detection_open_in_group"), fresh[0].group).Scan(&target)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, nil, err
			}
		}
		if target == 0 {
			first := fresh[0]
			title := first.title
			if len(fresh) > 1 && first.groupTitle != "" {
				title = first.groupTitle
			}
			impact := first.impact
			if len(fresh) > 1 && first.groupImpact != "" {
				impact = first.groupImpact
			}
			sev := first.severity
			for _, f := range fresh[1:] {
				if f.severity < sev {
					sev = f.severity
				}
			}
			id, err := s.open(ctx, tx, NewIncident{
				Title: title, Severity: sev, DetectedByKind: ByRule, DetectedBy: first.rule, Author: Author,
				Status: Draft, Changes: Changes{Impact: impact}, origin: "automatic",
			}, nil)
			if err != nil {
				return nil, nil, err
			}
			target = id
			opened = append(opened, id)
		}
		st, err := stateOf(target)
		if err != nil {
			return nil, nil, err
		}
		now := s.clock()
		for _, det := range fresh {
			var run any
			if det.runID > 0 {
				run = det.runID
			}
			if _, err := tx.ExecContext(ctx, sqlfiles.Query("incident_detection_insert"), det.key, target, det.rule, det.group, run, now); err != nil {
				return nil, nil, fmt.Errorf("record cause %s: %w", det.key, err)
			}
			if det.note != "" {
				pending[target] = append(pending[target], Event{Kind: EventNote, Text: det.note})
			}
			pending[target] = append(pending[target], newEvidence(st, det.evidence)...)
		}
	}
	ids := make([]int64, 0, len(pending))
	for id := range pending {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	now := s.clock()
	for _, id := range ids {
		evs := pending[id]
		if len(evs) == 0 {
			continue
		}
		for i := range evs {
			evs[i].OccurredAt = now
		}
		if err := s.write(ctx, tx, states[id], Author, now, nil, evs); err != nil {
			return nil, nil, err
		}
		if !slices.Contains(opened, id) {
			updated = append(updated, id)
		}
	}
	return opened, updated, nil
}

// newEvidence turns the links an incident does not have yet into events,
// each followed by its note.
func newEvidence(st *state, ev []evidence) []Event {
	var out []Event
	for _, e := range ev {
		if st.links[e.link] {
			continue
		}
		st.links[e.link] = true
		out = append(out, Event{Kind: EventLink, RefKind: string(e.link.Kind), Value: e.link.Ref})
		if e.note != "" {
			out = append(out, Event{Kind: EventNote, Text: e.note})
		}
	}
	return out
}

// failedRuns finds the current streak of failed pipeline runs: one cause,
// keyed by the streak's first run.
func (d *Detector) failedRuns(ctx context.Context) ([]detection, string, error) {
	rows, err := d.Store.db.QueryContext(ctx, sqlfiles.Query("incident_rule_failed_runs"))
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var ev []evidence
	var months []Link
	var first int64
	for rows.Next() {
		var id int64
		var trigger, msg string
		var started time.Time
		if err := rows.Scan(&id, &trigger, &started, &msg); err != nil {
			return nil, "", err
		}
		if first == 0 {
			first = id
		}
		note := fmt.Sprintf("Run %d (%s, started %s) failed", id, trigger, started.UTC().Format("2006-01-02 15:04 MST"))
		if msg != "" {
			note += ": " + msg
		}
		ev = append(ev, evidence{link: Link{LinkPipelineRun, strconv.FormatInt(id, 10)}, note: note + "."})
		months = append(months, MonthLink(started))
	}
	if err := rows.Err(); err != nil || first == 0 {
		return nil, "", err
	}
	for _, m := range dedupLinks(months) {
		ev = append(ev, evidence{link: m})
	}
	key := fmt.Sprintf("%s:%d", RuleFailedRun, first)
	return []detection{{
		key: key, group: key,
		title:    fmt.Sprintf("Pipeline run %d failed", first),
		severity: d.Rules.FailedRun.Severity,
		impact:   "The warehouse, unbilled work, exceptions, KPIs and reports were not refreshed by the failed runs; they show the state of the last run that succeeded.",
		evidence: ev,
	}}, "", nil
}

// streamFailures finds streams whose current streak of failed runs is at
// least StreamFailuresInARow long: one cause per stream and streak.
func (d *Detector) streamFailures(ctx context.Context) ([]detection, string, error) {
	n := d.Rules.StreamFailuresInARow
	if n < 1 {
		n = 3
	}
	rows, err := d.Store.db.QueryContext(ctx, sqlfiles.Query("incident_rule_stream_failures"))
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	type streak struct {
		source, stream string
		runs           []int64
		months         []Link
		lastErr        string
		lastOK         int64
	}
	var streaks []*streak
	for rows.Next() {
		var source, stream, msg string
		var run, lastOK int64
		var started time.Time
		if err := rows.Scan(&source, &stream, &run, &started, &msg, &lastOK); err != nil {
			return nil, "", err
		}
		if len(streaks) == 0 || streaks[len(streaks)-1].source != source || streaks[len(streaks)-1].stream != stream {
			streaks = append(streaks, &streak{source: source, stream: stream, lastOK: lastOK})
		}
		s := streaks[len(streaks)-1]
		s.runs = append(s.runs, run)
		s.months = append(s.months, MonthLink(started))
		s.lastErr = msg
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	var out []detection
	for _, s := range streaks {
		if len(s.runs) < n {
			continue
		}
		name := s.source + "." + s.stream
		since := "it has not loaded in any run so far"
		if s.lastOK > 0 {
			since = fmt.Sprintf("it last loaded in run %d", s.lastOK)
		}
		note := fmt.Sprintf("%s failed %d runs in a row (runs %s); %s. Last error: %s", name, len(s.runs), joinRuns(s.runs), since, s.lastErr)
		ev := []evidence{{link: Link{LinkStream, name}}}
		for _, r := range s.runs {
			ev = append(ev, evidence{link: Link{LinkPipelineRun, strconv.FormatInt(r, 10)}})
		}
		for _, m := range dedupLinks(s.months) {
			ev = append(ev, evidence{link: m})
		}
		out = append(out, detection{
			key:          fmt.Sprintf("%s:%s:%d", RuleStreamFailures, name, s.runs[0]),
			group:        RuleStreamFailures + ":" + s.source,
			attachToOpen: true,
			title:        fmt.Sprintf("%s failed %d runs in a row", name, n),
			groupTitle:   fmt.Sprintf("%s streams failed %d runs in a row", s.source, n),
			severity:     d.Rules.StreamFailures.Severity,
			impact:       fmt.Sprintf("Records from %s are not refreshed; unbilled work, exceptions and KPIs that depend on %s may be stale.", s.source, name),
			note:         note,
			evidence:     ev,
		})
	}
	return out, "", nil
}

func joinRuns(runs []int64) string {
	parts := make([]string, len(runs))
	for i, r := range runs {
		parts[i] = strconv.FormatInt(r, 10)
	}
	return strings.Join(parts, ", ")
}

func dedupLinks(ls []Link) []Link {
	var out []Link
	seen := map[Link]bool{}
	for _, l := range ls {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// threshold is the finding amount that opens an incident in a currency.
func (r Rules) threshold(currency string) decimal.Decimal {
	if t, ok := r.FindingAmountByCurrency[currency]; ok {
		return t
	}
	return r.FindingAmount
}

// findings finds reconciliation findings at or above the configured
// amount: one cause per finding, gathered per evaluation.
func (d *Detector) findings(ctx context.Context) ([]detection, string, error) {
	db := d.Store.db
	ok, err := relationExists(ctx, db, "reconcile", "exceptions")
	if err != nil {
		return nil, "", err
	}
	if !ok {
		return nil, "reconcile.exceptions does not exist yet (no run has reconciled)", nil
	}
	lowest := d.Rules.FindingAmount
	for _, t := range d.Rules.FindingAmountByCurrency {
		lowest = decimal.Min(lowest, t)
	}
	rows, err := db.QueryContext(ctx, sqlfiles.Query("incident_rule_findings"), lowest.StringFixed(2))
	if err != nil {
		return nil, "", err
	}
	type finding struct {
		id, kind, customer, currency, reason string
		amount                               decimal.Decimal
		invoices                             []string
	}
	var found []finding
	for rows.Next() {
		var f finding
		var amount, invoices string
		if err := rows.Scan(&f.id, &f.kind, &f.customer, &amount, &f.currency, &f.reason, &invoices); err != nil {
			rows.Close()
			return nil, "", err
		}
		if f.amount, err = decimal.NewFromString(amount); err != nil {
			rows.Close()
			return nil, "", fmt.Errorf("finding %s: amount %q: %w", f.id, amount, err)
		}
		if err := json.Unmarshal([]byte(invoices), &f.invoices); err != nil {
			rows.Close()
			return nil, "", fmt.Errorf("finding %s: invoice numbers: %w", f.id, err)
		}
		if f.amount.Abs().GreaterThanOrEqual(d.Rules.threshold(f.currency)) {
			found = append(found, f)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(found) == 0 {
		return nil, "", nil
	}
	withMonths := true
	for _, t := range []string{"invoices", "time_entries"} {
		ok, err := relationExists(ctx, db, "core", t)
		if err != nil {
			return nil, "", err
		}
		withMonths = withMonths && ok
	}
	var out []detection
	sums := map[string]decimal.Decimal{} // at stake in the new findings, per currency
	for _, f := range found {
		key := RuleFinding + ":" + f.id
		var seen int64
		err := db.QueryRowContext(ctx, sqlfiles.Query("incident_detection_get"), key).Scan(&seen)
		if err == nil {
			continue // recorded before; findings carry no evidence that grows
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, "", err
		}
		sums[f.currency] = sums[f.currency].Add(f.amount.Abs())
		amount := money.Fixed(f.amount.Abs(), 2) + " " + f.currency
		ev := []evidence{{link: Link{LinkFinding, f.id}}}
		for _, inv := range f.invoices {
			if inv != "" {
				ev = append(ev, evidence{link: Link{LinkInvoice, inv}})
			}
		}
		if withMonths {
			months, err := findingMonths(ctx, db, f.id)
			if err != nil {
				return nil, "", err
			}
			for _, m := range months {
				ev = append(ev, evidence{link: Link{LinkKPIMonth, m}})
			}
		}
		who := ""
		if f.customer != "" {
			who = " for " + f.customer
		}
		out = append(out, detection{
			key:        key,
			group:      RuleFinding,
			title:      fmt.Sprintf("%s finding of %s%s", f.kind, amount, who),
			groupTitle: "Reconciliation findings at or above the incident threshold",
			severity:   d.Rules.Findings.Severity,
			impact:     fmt.Sprintf("%s at stake%s: work may be billed wrongly or not at all until the finding is corrected.", amount, who),
			note:       fmt.Sprintf("Finding %s (%s, %s at stake): %s", f.id, f.kind, amount, f.reason),
			evidence:   ev,
		})
	}
	if len(out) > 1 {
		var curs []string
		for c := range sums {
			curs = append(curs, c)
		}
		sort.Strings(curs)
		parts := make([]string, len(curs))
		for i, c := range curs {
			parts[i] = money.Fixed(sums[c], 2) + " " + c
		}
		impact := fmt.Sprintf("%d findings with %s at stake: work may be billed wrongly or not at all until they are corrected.", len(out), strings.Join(parts, " and "))
		for i := range out {
			out[i].groupImpact = impact
		}
	}
	return out, "", nil
}

func findingMonths(ctx context.Context, db *sql.DB, id string) ([]string, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query("incident_finding_months"), id)
	if err != nil {
		return nil, fmt.Errorf("finding %s: months: %w", id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// kpiTargets finds KPIs whose latest month with a figure missed the target
// while the month with a figure before it met it (or there was none): the
// crossing, once per KPI and month.
func (d *Detector) kpiTargets(ctx context.Context) ([]detection, string, error) {
	if d.Targets == nil {
		return nil, "no KPI targets are available; KPI crossings are not checked", nil
	}
	rows, ok, err := d.Targets.KPITargetStatus(ctx)
	if err != nil {
		return nil, "", err
	}
	if !ok {
		return nil, "no KPI targets yet (none configured under kpis.targets, or marts.kpi_values not built); KPI crossings are not checked", nil
	}
	byKPI := map[string][]KPITargetStatus{}
	var kpis []string
	for _, r := range rows {
		if r.Met == nil {
			continue
		}
		if _, ok := byKPI[r.KPI]; !ok {
			kpis = append(kpis, r.KPI)
		}
		byKPI[r.KPI] = append(byKPI[r.KPI], r)
	}
	sort.Strings(kpis)
	var out []detection
	for _, k := range kpis {
		ms := byKPI[k]
		sort.Slice(ms, func(i, j int) bool { return ms[i].Month < ms[j].Month })
		last := ms[len(ms)-1]
		if *last.Met {
			continue
		}
		before := "it is the first month with a figure"
		if len(ms) > 1 {
			prev := ms[len(ms)-2]
			if !*prev.Met {
				continue // still off target: the crossing was recorded before
			}
			before = fmt.Sprintf("%s met it with %s", prev.Month, prev.Value)
		}
		note := fmt.Sprintf("%s was %s in %s against a target of %s; %s.", k, last.Value, last.Month, last.Target, before)
		if last.OwnerRole != "" {
			note += " The target is owned by the " + last.OwnerRole + "."
		}
		key := fmt.Sprintf("%s:%s:%s", RuleKPITarget, k, last.Month)
		out = append(out, detection{
			key: key, group: key,
			title:    fmt.Sprintf("%s missed its target in %s", k, last.Month),
			severity: d.Rules.KPITarget.Severity,
			impact:   fmt.Sprintf("%s was %s in %s against a target of %s.", k, last.Value, last.Month, last.Target),
			note:     note,
			evidence: []evidence{{link: Link{LinkKPI, k}}, {link: Link{LinkKPIMonth, last.Month}}},
		})
	}
	return out, "", nil
}
