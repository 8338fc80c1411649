package incident

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Severity ranks an incident by what it did or could do to money, to
// customers and to the figures a finance team reports. SEV1 is the worst.
type Severity string

// The severity scale.
const (
	SEV1 Severity = "SEV1"
	SEV2 Severity = "SEV2"
	SEV3 Severity = "SEV3"
	SEV4 Severity = "SEV4"
)

// SeverityLevel describes one step of the scale for forms and help texts.
type SeverityLevel struct {
	Severity Severity
	Name     string
	Meaning  string
}

// Severities is the scale, worst first.
var Severities = []SeverityLevel{
	{SEV1, "critical", "wrong money reached customers or the books (invoices sent with wrong amounts or twice, payments misapplied), or reported figures are wrong or the month-end close is blocked; act now"},
	{SEV2, "major", "a material billing or reporting error found before it reached customers, or one customer affected; or the close is at risk; act today"},
	{SEV3, "minor", "degraded: a source or import failing, a KPI off target, a finding to correct within the billing cycle; no customer impact yet; act this week"},
	{SEV4, "low", "a near miss, a safeguard that caught something, or a cosmetic error; record it to learn from it"},
}

// ParseSeverity accepts SEV1..SEV4 in any case, or 1..4.
func ParseSeverity(s string) (Severity, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if len(u) == 1 {
		u = "SEV" + u
	}
	for _, l := range Severities {
		if l.Severity == Severity(u) {
			return l.Severity, nil
		}
	}
	return "", fmt.Errorf("severity %q: expected SEV1 (critical), SEV2 (major), SEV3 (minor) or SEV4 (low)", s)
}

// Status is where an incident stands.
type Status string

// Statuses. A rule opens incidents as drafts; a person confirms (open) or
// dismisses them.
const (
	Draft     Status = "draft"     // opened by a rule, not yet looked at
	Open      Status = "open"      // confirmed, being handled
	Mitigated Status = "mitigated" // the impact is stopped; the analysis may go on
	Closed    Status = "closed"    // handled; follow-ups may still be open
	Dismissed Status = "dismissed" // a draft that was not an incident
)

// transitions lists the statuses each status may move to.
var transitions = map[Status][]Status{
	Draft:     {Open, Mitigated, Closed, Dismissed},
	Open:      {Mitigated, Closed},
	Mitigated: {Open, Closed},
	Closed:    {Open},
	Dismissed: {Open},
}

// ParseStatus accepts a status name.
func ParseStatus(s string) (Status, error) {
	st := Status(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := transitions[st]; !ok {
		return "", fmt.Errorf("status %q: expected draft, open, mitigated, closed or dismissed", s)
	}
	return st, nil
}

// CanMoveTo reports whether an incident in status s may move to next.
func (s Status) CanMoveTo(next Status) bool { return slices.Contains(transitions[s], next) }

// DetectorKind says what kind of thing noticed the incident.
type DetectorKind string

// Detector kinds.
const (
	ByPerson   DetectorKind = "person"   // someone noticed (a role or a name of their choosing)
	BySchedule DetectorKind = "schedule" // a scheduled job or check
	ByRule     DetectorKind = "rule"     // one of takt's automatic rules
)

// ParseDetectorKind accepts person, schedule or rule.
func ParseDetectorKind(s string) (DetectorKind, error) {
	switch k := DetectorKind(strings.ToLower(strings.TrimSpace(s))); k {
	case ByPerson, BySchedule, ByRule:
		return k, nil
	}
	return "", fmt.Errorf("detected-by kind %q: expected person, schedule or rule", s)
}

// FollowUpStatus is where a follow-up stands.
type FollowUpStatus string

// Follow-up statuses.
const (
	FollowUpOpen    FollowUpStatus = "open"
	FollowUpDone    FollowUpStatus = "done"
	FollowUpDropped FollowUpStatus = "dropped" // decided against, with a reason
)

// ParseFollowUpStatus accepts open, done or dropped.
func ParseFollowUpStatus(s string) (FollowUpStatus, error) {
	switch st := FollowUpStatus(strings.ToLower(strings.TrimSpace(s))); st {
	case FollowUpOpen, FollowUpDone, FollowUpDropped:
		return st, nil
	}
	return "", fmt.Errorf("follow-up status %q: expected open, done or dropped", s)
}

// LinkKind is what an incident can point to.
type LinkKind string

// Link kinds.
const (
	LinkPipelineRun LinkKind = "pipeline_run" // a run in ops.runs, by its number
	LinkBillingRun  LinkKind = "billing_run"  // a billing run, by its id
	LinkInvoice     LinkKind = "invoice"      // an invoice, by its number
	LinkKPIMonth    LinkKind = "kpi_month"    // a month whose KPIs the incident touched, YYYY-MM
	LinkFinding     LinkKind = "finding"      // a reconciliation exception, by its id
	LinkStream      LinkKind = "stream"       // a source stream, as source.stream
	LinkKPI         LinkKind = "kpi"          // a KPI, by its name
)

var linkKinds = []LinkKind{LinkPipelineRun, LinkBillingRun, LinkInvoice, LinkKPIMonth, LinkFinding, LinkStream, LinkKPI}

// Link points an incident at a record elsewhere.
type Link struct {
	Kind LinkKind
	Ref  string
}

func (l Link) String() string { return string(l.Kind) + ":" + l.Ref }

var monthRe = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// ParseLink reads KIND:REF, e.g. pipeline_run:17, invoice:INV-0042,
// kpi_month:2026-10.
func ParseLink(s string) (Link, error) {
	kind, ref, ok := strings.Cut(strings.TrimSpace(s), ":")
	l := Link{Kind: LinkKind(strings.ToLower(strings.TrimSpace(kind))), Ref: strings.TrimSpace(ref)}
	if !ok || l.Ref == "" {
		return Link{}, fmt.Errorf("link %q: expected KIND:REF, e.g. pipeline_run:17, billing_run:BR-2026-10-1, invoice:INV-0042 or kpi_month:2026-10", s)
	}
	return l, l.check()
}

// check validates the reference's form; whether a pipeline run exists is
// checked by the store.
func (l Link) check() error {
	if !slices.Contains(linkKinds, l.Kind) {
		return fmt.Errorf("link kind %q: expected one of pipeline_run, billing_run, invoice, kpi_month, finding, stream, kpi", l.Kind)
	}
	if strings.TrimSpace(l.Ref) == "" {
		return fmt.Errorf("link %s: the reference is empty", l.Kind)
	}
	switch l.Kind {
	case LinkPipelineRun:
		if n, err := strconv.ParseInt(l.Ref, 10, 64); err != nil || n < 1 {
			return fmt.Errorf("link pipeline_run:%s: expected a run number like 17 (see ops.runs)", l.Ref)
		}
	case LinkKPIMonth:
		if !monthRe.MatchString(l.Ref) {
			return fmt.Errorf("link kpi_month:%s: expected a month like 2026-10", l.Ref)
		}
	}
	return nil
}

// MonthLink links the KPI month of t.
func MonthLink(t time.Time) Link { return Link{LinkKPIMonth, t.UTC().Format("2006-01")} }

// EventKind is the kind of a timeline event.
type EventKind string

// Event kinds. Title, severity, status, impact and trigger hold one value
// each (the latest event wins); causes, safeguards, follow-ups, links and
// notes accumulate.
const (
	EventOpened           EventKind = "opened"
	EventTitle            EventKind = "title"
	EventSeverity         EventKind = "severity"
	EventStatus           EventKind = "status"
	EventImpact           EventKind = "impact"
	EventNote             EventKind = "note"
	EventTrigger          EventKind = "trigger"
	EventCause            EventKind = "cause"
	EventSafeguardWorked  EventKind = "safeguard_worked"
	EventSafeguardMissing EventKind = "safeguard_missing"
	EventFollowUp         EventKind = "follow_up"
	EventFollowUpStatus   EventKind = "follow_up_status"
	EventLink             EventKind = "link"
	EventUnlink           EventKind = "unlink"
)

// Event is one entry of an incident's timeline.
type Event struct {
	IncidentID int64
	Seq        int
	Kind       EventKind
	// OccurredAt is when the thing happened; RecordedAt when it was written.
	OccurredAt time.Time
	RecordedAt time.Time
	Author     string
	Text       string
	Value      string
	RefKind    string
	FollowUp   int
	OwnerRole  string
	DueOn      time.Time // zero unless Kind is follow_up
	// Mentions are the people the text names, found when it was written.
	Mentions []Mention
	PrevHash string
	Hash     string
}

// Entry is a cause, a safeguard or another accumulating text with where it
// sits in the timeline.
type Entry struct {
	Seq        int
	Text       string
	RecordedAt time.Time
	Mentions   []Mention
}

// FollowUp is an action agreed to prevent a repeat.
type FollowUp struct {
	Number    int
	Action    string
	OwnerRole string
	Due       time.Time
	Status    FollowUpStatus
	AddedAt   time.Time
	// Overdue is true when it is open and its due date has passed on the
	// day the incident was read.
	Overdue bool
}

// Incident is an incident as it stands: its header and the latest value of
// everything its timeline holds.
type Incident struct {
	ID             int64
	Origin         string // manual or automatic
	DetectedAt     time.Time
	DetectedByKind DetectorKind
	DetectedBy     string
	CreatedAt      time.Time

	Title          string
	Severity       Severity
	Status         Status
	CustomerImpact string
	Trigger        string
	// ClosedAt is set while the status is closed.
	ClosedAt  time.Time
	UpdatedAt time.Time
	Events    int

	Causes            []Entry
	SafeguardsWorked  []Entry
	SafeguardsMissing []Entry
	FollowUps         []FollowUp
	Links             []Link
	// Months are the KPI months the incident touched (the kpi_month links).
	Months []string
	// Flags are the blameless prompts for every text of the record that
	// names a person.
	Flags []Flag
	// Detections are the automatic causes behind the incident, by dedup key.
	Detections []string
}
