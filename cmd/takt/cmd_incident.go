package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/takt-billing/takt/internal/incident"
)

func newIncidentCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "incident",
		Short: "Keep the blameless incident log: open, note, timeline, close, list, show",
		Long: `The incident log keeps post-mortems as data beside the KPIs they touched.

An incident is history, never a form that is rewritten: every change (a note,
a new severity, a cause, a follow-up, closing it) is appended to its timeline
with the time it happened and the time it was recorded.

The log is blameless by design. It asks for systems and conditions: what
triggered the incident, which conditions let it happen or made it worse,
which safeguards worked and which were missing. Text that names a person
known to the warehouse (Harvest users, HubSpot owners) is kept as written
and flagged with a prompt to describe the condition instead. Follow-ups are
owned by a role, never by a person.

After every run takt opens draft incidents on its own, once per cause: a
failed run, a stream failing several runs in a row, a reconciliation finding
above the configured amount, a KPI's complete month crossing its target
(kpis.targets); see incidents: in takt.yaml. Confirm a draft with "takt incident note ID --status open", or
close it with "takt incident close ID --dismiss".

Severity:
` + severityHelp(),
	}
	cmd.AddCommand(
		newIncidentOpenCmd(g),
		newIncidentNoteCmd(g),
		newIncidentTimelineCmd(g),
		newIncidentCloseCmd(g),
		newIncidentListCmd(g),
		newIncidentShowCmd(g),
	)
	return cmd
}

func severityHelp() string {
	var b strings.Builder
	for _, l := range incident.Severities {
		fmt.Fprintf(&b, "  %s %-9s %s\n", l.Severity, l.Name, l.Meaning)
	}
	return b.String()
}

// recordFlags are the parts of an incident's record that open and note
// both take.
type recordFlags struct {
	impact, trigger             string
	causes, worked, missing     []string
	followUps, ownerRoles, dues []string
	links, months               []string
	by                          string
}

func (f *recordFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.impact, "impact", "", "customer impact: what customers or the figures saw (e.g. \"12 customers got reminders for paid invoices\")")
	fl.StringVar(&f.trigger, "trigger", "", "the trigger: the event or change in a system that set the incident off")
	fl.StringArrayVar(&f.causes, "cause", nil, "a contributing cause: a condition in a system or process that let it happen or made it worse (repeatable)")
	fl.StringArrayVar(&f.worked, "safeguard-worked", nil, "a check or signal that worked and limited the damage (repeatable)")
	fl.StringArrayVar(&f.missing, "safeguard-missing", nil, "a check or signal that was missing or did not fire (repeatable)")
	fl.StringArrayVar(&f.followUps, "follow-up", nil, "a follow-up action; each needs an --owner-role and a --due (repeatable, in the same order)")
	fl.StringArrayVar(&f.ownerRoles, "owner-role", nil, "the role that owns the follow-up, e.g. \"Billing Lead\" (a role, never a person)")
	fl.StringArrayVar(&f.dues, "due", nil, "the follow-up's due date (YYYY-MM-DD)")
	fl.StringArrayVar(&f.links, "link", nil, "a record the incident concerns, KIND:REF: pipeline_run:17, billing_run:ID, invoice:NUMBER, kpi_month:2026-10 (repeatable)")
	fl.StringArrayVar(&f.months, "month", nil, "a KPI month the incident touched, YYYY-MM; charts mark it (repeatable)")
	fl.StringVar(&f.by, "by", "", "who writes this entry (default: $USER)")
}

func (f *recordFlags) changes() (incident.Changes, error) {
	c := incident.Changes{Impact: f.impact, Trigger: f.trigger, Causes: f.causes, SafeguardsWorked: f.worked, SafeguardsMissing: f.missing}
	if len(f.ownerRoles) != len(f.followUps) || len(f.dues) != len(f.followUps) {
		return c, fmt.Errorf("each --follow-up needs one --owner-role and one --due (got %d, %d and %d)", len(f.followUps), len(f.ownerRoles), len(f.dues))
	}
	for i, a := range f.followUps {
		due, err := parseDay("due", f.dues[i])
		if err != nil {
			return c, err
		}
		c.FollowUps = append(c.FollowUps, incident.NewFollowUp{Action: a, OwnerRole: f.ownerRoles[i], Due: due})
	}
	for _, s := range f.links {
		l, err := incident.ParseLink(s)
		if err != nil {
			return c, fmt.Errorf("--link: %w", err)
		}
		c.Links = append(c.Links, l)
	}
	for _, m := range f.months {
		l, err := incident.ParseLink("kpi_month:" + m)
		if err != nil {
			return c, fmt.Errorf("--month %q: expected a month like 2026-10", m)
		}
		c.Links = append(c.Links, l)
	}
	return c, nil
}

func (f *recordFlags) author() (string, error) {
	if a := strings.TrimSpace(f.by); a != "" {
		return a, nil
	}
	if a := strings.TrimSpace(os.Getenv("USER")); a != "" {
		return a, nil
	}
	return "", errors.New("say who writes this entry with --by (a name or a role)")
}

// parseWhen reads a point in time: RFC 3339, or "YYYY-MM-DD HH:MM" in UTC.
func parseWhen(flag, v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("--%s %q: expected a time like 2026-11-03T14:05:00Z or \"2026-11-03 14:05\" (UTC)", flag, v)
}

func parseIncidentID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(s), "#"), 10, 64)
	if err != nil || id < 1 {
		return 0, fmt.Errorf("incident %q: expected an incident number like 7 (see `takt incident list`)", s)
	}
	return id, nil
}

// withIncidents opens the warehouse, runs fn with the incident log on it
// and closes the warehouse again. create opens a new warehouse when there
// is none yet (an incident may come before the first run).
func (g *globals) withIncidents(ctx context.Context, create bool, fn func(*incident.Store) error) error {
	logger, cfg, err := g.setup()
	if err != nil {
		return err
	}
	open := openExistingWarehouse
	if create {
		open = openWarehouse
	}
	wh, err := open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer wh.Close()
	return fn(incident.NewStore(wh.DB, incident.Options{Logger: logger, FollowUpRoles: cfg.Incidents.FollowUpRoles}))
}

// onIncident checks the output format, parses the incident number arg
// and runs fn on the incident log, for the commands that only read one
// incident.
func (g *globals) onIncident(ctx context.Context, arg string, fn func(s *incident.Store, id int64) error) error {
	if err := g.checkFormat(); err != nil {
		return err
	}
	id, err := parseIncidentID(arg)
	if err != nil {
		return err
	}
	return g.withIncidents(ctx, false, func(s *incident.Store) error { return fn(s, id) })
}

func newIncidentOpenCmd(g *globals) *cobra.Command {
	var rf recordFlags
	var title, severity, detectedAt, detectedBy, detectedByKind, note, at string
	cmd := &cobra.Command{
		Use:   "open --title TITLE --severity SEVn",
		Short: "Open an incident",
		Long: `Open an incident. Name the system and the effect in the title, e.g.
"October pack missing 12 Xero invoices", not who was involved.

Severity:
` + severityHelp(),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(); err != nil {
				return err
			}
			sev, err := incident.ParseSeverity(severity)
			if err != nil {
				return fmt.Errorf("--severity: %w", err)
			}
			kind, err := incident.ParseDetectorKind(detectedByKind)
			if err != nil {
				return fmt.Errorf("--detected-by-kind: %w", err)
			}
			author, err := rf.author()
			if err != nil {
				return err
			}
			c, err := rf.changes()
			if err != nil {
				return err
			}
			c.Note = note
			n := incident.NewIncident{Title: title, Severity: sev, DetectedByKind: kind, DetectedBy: detectedBy, Author: author, Changes: c}
			if detectedAt != "" {
				if n.DetectedAt, err = parseWhen("detected-at", detectedAt); err != nil {
					return err
				}
			}
			if at != "" {
				if n.Changes.At, err = parseWhen("at", at); err != nil {
					return err
				}
			}
			return g.withIncidents(cmd.Context(), true, func(s *incident.Store) error {
				inc, err := s.Open(cmd.Context(), n)
				if err != nil {
					return err
				}
				return printWritten(cmd.Context(), g, s, inc, 0)
			})
		},
	}
	addFormatFlag(cmd, g)
	fl := cmd.Flags()
	fl.StringVar(&title, "title", "", "what happened, by system and effect (required)")
	fl.StringVar(&severity, "severity", "", "SEV1, SEV2, SEV3 or SEV4 (required; see above)")
	fl.StringVar(&detectedAt, "detected-at", "", "when it was noticed (default now)")
	fl.StringVar(&detectedBy, "detected-by", "", "who or what noticed it: a role, a job or a check (default: --by)")
	fl.StringVar(&detectedByKind, "detected-by-kind", "person", "person, schedule or rule")
	fl.StringVar(&note, "note", "", "a first note for the timeline")
	fl.StringVar(&at, "at", "", "when the noted things happened (default now)")
	rf.add(cmd)
	return cmd
}

func newIncidentNoteCmd(g *globals) *cobra.Command {
	var rf recordFlags
	var at, title, severity, status string
	var done, dropped, reopened, unlinks []string
	cmd := &cobra.Command{
		Use:   "note ID [TEXT]",
		Short: "Add to an incident's record: a note, a cause, a follow-up, a new status, ...",
		Long: `Add to an incident's record. Each flag appends one event to the timeline;
nothing written before changes. TEXT is a note (what was seen or done);
--at says when it happened, for notes written after the fact.

Confirm a draft opened by a rule with --status open.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(); err != nil {
				return err
			}
			id, err := parseIncidentID(args[0])
			if err != nil {
				return err
			}
			author, err := rf.author()
			if err != nil {
				return err
			}
			c, err := rf.changes()
			if err != nil {
				return err
			}
			if len(args) == 2 {
				c.Note = args[1]
			}
			c.Title = title
			if severity != "" {
				if c.Severity, err = incident.ParseSeverity(severity); err != nil {
					return fmt.Errorf("--severity: %w", err)
				}
			}
			if status != "" {
				if c.Status, err = incident.ParseStatus(status); err != nil {
					return fmt.Errorf("--status: %w", err)
				}
			}
			for _, g := range []struct {
				flag   string
				nums   []string
				status incident.FollowUpStatus
			}{{"follow-up-done", done, incident.FollowUpDone}, {"follow-up-dropped", dropped, incident.FollowUpDropped}, {"follow-up-reopen", reopened, incident.FollowUpOpen}} {
				for _, s := range g.nums {
					n, err := strconv.Atoi(strings.TrimSpace(s))
					if err != nil || n < 1 {
						return fmt.Errorf("--%s %q: expected a follow-up number like 1 (see `takt incident show`)", g.flag, s)
					}
					c.FollowUpStatuses = append(c.FollowUpStatuses, incident.FollowUpChange{Number: n, Status: g.status})
				}
			}
			for _, s := range unlinks {
				l, err := incident.ParseLink(s)
				if err != nil {
					return fmt.Errorf("--unlink: %w", err)
				}
				c.Unlinks = append(c.Unlinks, l)
			}
			if at != "" {
				if c.At, err = parseWhen("at", at); err != nil {
					return err
				}
			}
			return g.withIncidents(cmd.Context(), false, func(s *incident.Store) error {
				before, err := s.Get(cmd.Context(), id)
				if err != nil {
					return err
				}
				inc, err := s.Update(cmd.Context(), id, author, c)
				if err != nil {
					return err
				}
				return printWritten(cmd.Context(), g, s, inc, before.Events)
			})
		},
	}
	addFormatFlag(cmd, g)
	fl := cmd.Flags()
	fl.StringVar(&at, "at", "", "when it happened (default now), e.g. \"2026-11-03 14:05\" (UTC)")
	fl.StringVar(&title, "title", "", "a better title")
	fl.StringVar(&severity, "severity", "", "a new severity: SEV1, SEV2, SEV3 or SEV4")
	fl.StringVar(&status, "status", "", "a new status: open, mitigated, closed or dismissed")
	fl.StringArrayVar(&done, "follow-up-done", nil, "mark follow-up N done (repeatable)")
	fl.StringArrayVar(&dropped, "follow-up-dropped", nil, "mark follow-up N dropped; say why in the note (repeatable)")
	fl.StringArrayVar(&reopened, "follow-up-reopen", nil, "open follow-up N again (repeatable)")
	fl.StringArrayVar(&unlinks, "unlink", nil, "remove a link, KIND:REF (repeatable)")
	rf.add(cmd)
	return cmd
}

func newIncidentCloseCmd(g *globals) *cobra.Command {
	var by string
	var dismiss bool
	cmd := &cobra.Command{
		Use:   "close ID [SUMMARY]",
		Short: "Close an incident, or dismiss a draft that was not one",
		Long: `Close an incident, with an optional closing summary. Open follow-ups stay
open: "takt incident list --overdue" lists those past their due date.
--dismiss closes a draft a rule opened that turned out not to be an
incident.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(); err != nil {
				return err
			}
			id, err := parseIncidentID(args[0])
			if err != nil {
				return err
			}
			rf := recordFlags{by: by}
			author, err := rf.author()
			if err != nil {
				return err
			}
			summary := ""
			if len(args) == 2 {
				summary = args[1]
			}
			return g.withIncidents(cmd.Context(), false, func(s *incident.Store) error {
				before, err := s.Get(cmd.Context(), id)
				if err != nil {
					return err
				}
				inc, err := s.Close(cmd.Context(), id, author, summary, dismiss)
				if err != nil {
					return err
				}
				return printWritten(cmd.Context(), g, s, inc, before.Events)
			})
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().StringVar(&by, "by", "", "who closes it (default: $USER)")
	cmd.Flags().BoolVar(&dismiss, "dismiss", false, "dismiss a draft that was not an incident")
	return cmd
}

func newIncidentShowCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show an incident as it stands",
		Long: `Show an incident as it stands: header, severity, status, impact, trigger,
contributing causes, safeguards, follow-ups (overdue ones marked), links,
the KPI months it touched and the blameless prompts of its record. It also
checks that the stored history still matches its hashes.

With --format json: one object with id, title, severity, status, origin,
detected_at, detected_by {kind, name}, created_at, updated_at, closed_at,
customer_impact, trigger, contributing_causes[], safeguards {worked[],
missing[]}, follow_ups[] {number, action, owner_role, due, status, overdue},
links {pipeline_runs[], billing_runs[], invoices[], kpi_months[],
findings[], streams[], kpis[]}, kpi_months[], detections[],
blameless_flags[] {seq, field, people[], prompt}, events and
history_verified.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.onIncident(cmd.Context(), args[0], func(s *incident.Store, id int64) error {
				inc, err := s.Get(cmd.Context(), id)
				if err != nil {
					return err
				}
				return printIncident(cmd.Context(), g, s, inc)
			})
		},
	}
	addFormatFlag(cmd, g)
	return cmd
}

func newIncidentTimelineCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "timeline ID",
		Short: "Show an incident's timeline in the order things happened",
		Long: `Show every event of an incident, ordered by when it happened (then by when
it was recorded): notes, status and severity changes, causes, follow-ups,
links.

With --format json: an array of {seq, kind, occurred_at, recorded_at,
author, text, value, link {kind, ref}, follow_up, owner_role, due,
person_mentions[], prompt}; absent fields are left out.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.onIncident(cmd.Context(), args[0], func(s *incident.Store, id int64) error {
				evs, err := s.Timeline(cmd.Context(), id)
				if err != nil {
					return err
				}
				return printTimeline(g, evs)
			})
		},
	}
	addFormatFlag(cmd, g)
	return cmd
}

func newIncidentListCmd(g *globals) *cobra.Command {
	var status, month, asOf string
	var overdue bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List incidents; --overdue lists those (closed ones too) with follow-ups past due",
		Long: `List incidents, oldest first. --overdue keeps those with an open follow-up
past its due date, closed incidents included: closing an incident does not
close its follow-ups. --month keeps those that touched a KPI month.

With --format json: an array of {id, title, severity, status, origin,
detected_at, customer_impact, closed_at, open_follow_ups,
overdue_follow_ups, kpi_months[]}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(); err != nil {
				return err
			}
			f := incident.Filter{Overdue: overdue, Month: month}
			if status != "" {
				st, err := incident.ParseStatus(status)
				if err != nil {
					return fmt.Errorf("--status: %w", err)
				}
				f.Status = st
			}
			if month != "" {
				if _, err := parseMonth("month", month); err != nil {
					return err
				}
			}
			if asOf != "" {
				day, err := parseDay("as-of", asOf)
				if err != nil {
					return err
				}
				f.AsOf = day
			}
			return g.withIncidents(cmd.Context(), false, func(s *incident.Store) error {
				list, err := s.List(cmd.Context(), f)
				if err != nil {
					return err
				}
				return printIncidentList(g, list)
			})
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().StringVar(&status, "status", "", "only incidents in this status: draft, open, mitigated, closed or dismissed")
	cmd.Flags().BoolVar(&overdue, "overdue", false, "only incidents with open follow-ups past their due date")
	cmd.Flags().StringVar(&month, "month", "", "only incidents that touched this KPI month (YYYY-MM)")
	cmd.Flags().StringVar(&asOf, "as-of", "", "the day that decides what is overdue (YYYY-MM-DD; default today)")
	return cmd
}

type mentionJSON = incident.Mention

type entryJSON struct {
	Seq            int           `json:"seq"`
	Text           string        `json:"text"`
	RecordedAt     string        `json:"recorded_at"`
	PersonMentions []mentionJSON `json:"person_mentions"`
}

type followUpJSON struct {
	Number    int    `json:"number"`
	Action    string `json:"action"`
	OwnerRole string `json:"owner_role"`
	Due       string `json:"due"`
	Status    string `json:"status"`
	Overdue   bool   `json:"overdue"`
}

type flagJSON struct {
	Seq    int      `json:"seq"`
	Field  string   `json:"field"`
	People []string `json:"people"`
	Prompt string   `json:"prompt"`
}

type incidentJSON struct {
	ID         int64  `json:"id"`
	Title      string `json:"title"`
	Severity   string `json:"severity"`
	Status     string `json:"status"`
	Origin     string `json:"origin"`
	DetectedAt string `json:"detected_at"`
	DetectedBy struct {
		Kind string `json:"kind"`
		Name string `json:"name"`
	} `json:"detected_by"`
	CreatedAt          string      `json:"created_at"`
	UpdatedAt          string      `json:"updated_at"`
	ClosedAt           *string     `json:"closed_at"`
	CustomerImpact     string      `json:"customer_impact"`
	Trigger            string      `json:"trigger"`
	ContributingCauses []entryJSON `json:"contributing_causes"`
	Safeguards         struct {
		Worked  []entryJSON `json:"worked"`
		Missing []entryJSON `json:"missing"`
	} `json:"safeguards"`
	FollowUps []followUpJSON `json:"follow_ups"`
	Links     struct {
		PipelineRuns []int64  `json:"pipeline_runs"`
		BillingRuns  []string `json:"billing_runs"`
		Invoices     []string `json:"invoices"`
		KPIMonths    []string `json:"kpi_months"`
		Findings     []string `json:"findings"`
		Streams      []string `json:"streams"`
		KPIs         []string `json:"kpis"`
	} `json:"links"`
	KPIMonths       []string   `json:"kpi_months"`
	Detections      []string   `json:"detections"`
	BlamelessFlags  []flagJSON `json:"blameless_flags"`
	Events          int        `json:"events"`
	HistoryVerified bool       `json:"history_verified"`
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func entries(es []incident.Entry) []entryJSON {
	out := make([]entryJSON, 0, len(es))
	for _, e := range es {
		ms := e.Mentions
		if ms == nil {
			ms = []incident.Mention{}
		}
		out = append(out, entryJSON{Seq: e.Seq, Text: e.Text, RecordedAt: stamp(e.RecordedAt), PersonMentions: ms})
	}
	return out
}

func flagField(k incident.EventKind) string {
	switch k {
	case incident.EventCause:
		return "contributing_cause"
	case incident.EventImpact:
		return "customer_impact"
	case incident.EventSafeguardWorked, incident.EventSafeguardMissing:
		return "safeguard"
	}
	return string(k)
}

func people(ms []incident.Mention) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Person)
	}
	return out
}

func toIncidentJSON(inc *incident.Incident, verified bool) incidentJSON {
	j := incidentJSON{ID: inc.ID, Title: inc.Title, Severity: string(inc.Severity), Status: string(inc.Status), Origin: inc.Origin,
		DetectedAt: stamp(inc.DetectedAt), CreatedAt: stamp(inc.CreatedAt), UpdatedAt: stamp(inc.UpdatedAt),
		CustomerImpact: inc.CustomerImpact, Trigger: inc.Trigger, Events: inc.Events, HistoryVerified: verified}
	j.DetectedBy.Kind, j.DetectedBy.Name = string(inc.DetectedByKind), inc.DetectedBy
	if !inc.ClosedAt.IsZero() {
		s := stamp(inc.ClosedAt)
		j.ClosedAt = &s
	}
	j.ContributingCauses = entries(inc.Causes)
	j.Safeguards.Worked, j.Safeguards.Missing = entries(inc.SafeguardsWorked), entries(inc.SafeguardsMissing)
	j.FollowUps = []followUpJSON{}
	for _, f := range inc.FollowUps {
		j.FollowUps = append(j.FollowUps, followUpJSON{Number: f.Number, Action: f.Action, OwnerRole: f.OwnerRole,
			Due: f.Due.Format(time.DateOnly), Status: string(f.Status), Overdue: f.Overdue})
	}
	l := &j.Links
	l.PipelineRuns, l.BillingRuns, l.Invoices, l.KPIMonths, l.Findings, l.Streams, l.KPIs = []int64{}, []string{}, []string{}, []string{}, []string{}, []string{}, []string{}
	for _, k := range inc.Links {
		switch k.Kind {
		case incident.LinkPipelineRun:
			n, _ := strconv.ParseInt(k.Ref, 10, 64)
			l.PipelineRuns = append(l.PipelineRuns, n)
		case incident.LinkBillingRun:
			l.BillingRuns = append(l.BillingRuns, k.Ref)
		case incident.LinkInvoice:
			l.Invoices = append(l.Invoices, k.Ref)
		case incident.LinkKPIMonth:
			l.KPIMonths = append(l.KPIMonths, k.Ref)
		case incident.LinkFinding:
			l.Findings = append(l.Findings, k.Ref)
		case incident.LinkStream:
			l.Streams = append(l.Streams, k.Ref)
		case incident.LinkKPI:
			l.KPIs = append(l.KPIs, k.Ref)
		}
	}
	j.KPIMonths = append([]string{}, inc.Months...)
	j.Detections = append([]string{}, inc.Detections...)
	j.BlamelessFlags = []flagJSON{}
	for _, f := range inc.Flags {
		j.BlamelessFlags = append(j.BlamelessFlags, flagJSON{Seq: f.Seq, Field: flagField(f.Kind), People: people(f.Mentions), Prompt: f.Prompt})
	}
	return j
}

// printWritten shows the incident after a write, and on stderr the
// blameless prompts of the entries just written (those after seq since).
func printWritten(ctx context.Context, g *globals, s *incident.Store, inc *incident.Incident, since int) error {
	for _, f := range inc.Flags {
		if f.Seq > since {
			fmt.Fprintf(g.stderr, "takt: a note on %s: %s\n", strings.ReplaceAll(flagField(f.Kind), "_", " "), f.Prompt)
		}
	}
	return printIncident(ctx, g, s, inc)
}

func printIncident(ctx context.Context, g *globals, s *incident.Store, inc *incident.Incident) error {
	verr := s.Verify(ctx, inc.ID)
	if verr != nil && !errors.Is(verr, incident.ErrTampered) {
		return verr
	}
	if g.format == "json" {
		return writeJSON(g, toIncidentJSON(inc, verr == nil))
	}
	w := g.stdout
	fmt.Fprintf(w, "Incident %d: %s\n", inc.ID, inc.Title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Severity\t%s\n", inc.Severity)
	status := string(inc.Status)
	if !inc.ClosedAt.IsZero() {
		status += " since " + inc.ClosedAt.Format("2006-01-02 15:04 MST")
	}
	fmt.Fprintf(tw, "Status\t%s\n", status)
	fmt.Fprintf(tw, "Detected\t%s by %s %s\n", inc.DetectedAt.UTC().Format("2006-01-02 15:04 MST"), inc.DetectedByKind, inc.DetectedBy)
	fmt.Fprintf(tw, "Customer impact\t%s\n", orDash(inc.CustomerImpact))
	fmt.Fprintf(tw, "Trigger\t%s\n", orDash(inc.Trigger))
	if err := tw.Flush(); err != nil {
		return err
	}
	section := func(title string, es []incident.Entry) {
		if len(es) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s\n", title)
		for _, e := range es {
			fmt.Fprintf(w, "  - %s\n", e.Text)
		}
	}
	section("Contributing causes", inc.Causes)
	section("Safeguards that worked", inc.SafeguardsWorked)
	section("Safeguards that were missing", inc.SafeguardsMissing)
	if len(inc.FollowUps) > 0 {
		fmt.Fprintf(w, "\nFollow-ups\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, f := range inc.FollowUps {
			st := string(f.Status)
			if f.Overdue {
				st = "OVERDUE"
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\tdue %s\t%s\n", f.Number, f.Action, f.OwnerRole, f.Due.Format(time.DateOnly), st)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(inc.Links) > 0 {
		var ls []string
		for _, l := range inc.Links {
			ls = append(ls, l.String())
		}
		fmt.Fprintf(w, "\nLinks  %s\n", strings.Join(ls, ", "))
	}
	if len(inc.Flags) > 0 {
		fmt.Fprintf(w, "\nBlameless prompts\n")
		for _, f := range inc.Flags {
			fmt.Fprintf(w, "  event %d (%s): %s\n", f.Seq, strings.ReplaceAll(flagField(f.Kind), "_", " "), f.Prompt)
		}
	}
	if verr != nil {
		fmt.Fprintf(w, "\nWARNING: %v\n", verr)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type linkJSON struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
}

type eventJSON struct {
	Seq            int                `json:"seq"`
	Kind           string             `json:"kind"`
	OccurredAt     string             `json:"occurred_at"`
	RecordedAt     string             `json:"recorded_at"`
	Author         string             `json:"author"`
	Text           string             `json:"text,omitempty"`
	Value          string             `json:"value,omitempty"`
	Link           *linkJSON          `json:"link,omitempty"`
	FollowUp       int                `json:"follow_up,omitempty"`
	OwnerRole      string             `json:"owner_role,omitempty"`
	Due            string             `json:"due,omitempty"`
	PersonMentions []incident.Mention `json:"person_mentions,omitempty"`
	Prompt         string             `json:"prompt,omitempty"`
}

func printTimeline(g *globals, evs []incident.Event) error {
	if g.format == "json" {
		out := make([]eventJSON, 0, len(evs))
		for _, e := range evs {
			j := eventJSON{Seq: e.Seq, Kind: string(e.Kind), OccurredAt: stamp(e.OccurredAt), RecordedAt: stamp(e.RecordedAt),
				Author: e.Author, Text: e.Text, FollowUp: e.FollowUp, OwnerRole: e.OwnerRole, PersonMentions: e.Mentions,
				Prompt: incident.Prompt(e.Kind, e.Mentions)}
			if e.Kind == incident.EventLink || e.Kind == incident.EventUnlink {
				j.Link = &linkJSON{Kind: e.RefKind, Ref: e.Value}
			} else {
				j.Value = e.Value
			}
			if !e.DueOn.IsZero() {
				j.Due = e.DueOn.Format(time.DateOnly)
			}
			out = append(out, j)
		}
		return writeJSON(g, out)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN (UTC)\t#\tWHAT\tDETAIL\tBY")
	for _, e := range evs {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", e.OccurredAt.UTC().Format("2006-01-02 15:04"), e.Seq, e.Kind, eventDetail(e), e.Author)
	}
	return tw.Flush()
}

func eventDetail(e incident.Event) string {
	d := e.Text
	switch e.Kind {
	case incident.EventSeverity, incident.EventStatus:
		d = e.Value
	case incident.EventLink, incident.EventUnlink:
		d = e.RefKind + ":" + e.Value
	case incident.EventFollowUp:
		d = fmt.Sprintf("%d. %s (%s, due %s)", e.FollowUp, e.Text, e.OwnerRole, e.DueOn.Format(time.DateOnly))
	case incident.EventFollowUpStatus:
		d = fmt.Sprintf("follow-up %d %s", e.FollowUp, e.Value)
	}
	if len(e.Mentions) > 0 {
		d += "  [names " + strings.Join(people(e.Mentions), ", ") + "]"
	}
	return d
}

type incidentSummaryJSON struct {
	ID               int64    `json:"id"`
	Title            string   `json:"title"`
	Severity         string   `json:"severity"`
	Status           string   `json:"status"`
	Origin           string   `json:"origin"`
	DetectedAt       string   `json:"detected_at"`
	CustomerImpact   string   `json:"customer_impact"`
	ClosedAt         *string  `json:"closed_at"`
	OpenFollowUps    int      `json:"open_follow_ups"`
	OverdueFollowUps int      `json:"overdue_follow_ups"`
	KPIMonths        []string `json:"kpi_months"`
}

func printIncidentList(g *globals, list []incident.Summary) error {
	if g.format == "json" {
		out := make([]incidentSummaryJSON, 0, len(list))
		for _, r := range list {
			j := incidentSummaryJSON{ID: r.ID, Title: r.Title, Severity: string(r.Severity), Status: string(r.Status), Origin: r.Origin,
				DetectedAt: stamp(r.DetectedAt), CustomerImpact: r.CustomerImpact, OpenFollowUps: r.OpenFollowUps,
				OverdueFollowUps: r.OverdueFollowUps, KPIMonths: append([]string{}, r.Months...)}
			if !r.ClosedAt.IsZero() {
				s := stamp(r.ClosedAt)
				j.ClosedAt = &s
			}
			out = append(out, j)
		}
		return writeJSON(g, out)
	}
	return writeIncidentTable(g.stdout, list)
}

func writeIncidentTable(w io.Writer, list []incident.Summary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEV\tSTATUS\tDETECTED\tFOLLOW-UPS\tMONTHS\tTITLE")
	for _, r := range list {
		fu := "-"
		if r.OpenFollowUps > 0 {
			fu = fmt.Sprintf("%d open", r.OpenFollowUps)
			if r.OverdueFollowUps > 0 {
				fu += fmt.Sprintf(", %d overdue", r.OverdueFollowUps)
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Status, r.DetectedAt.UTC().Format(time.DateOnly), fu,
			orDash(strings.Join(r.Months, ",")), r.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s\n", countOf(len(list), "incident", "incidents"))
	return nil
}
