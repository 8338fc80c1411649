package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	sqlfiles "github.com/takt-billing/takt/sql"
)

// Get returns an incident as it stands. Follow-ups are overdue against
// the store's clock.
func (s *Store) Get(ctx context.Context, id int64) (*Incident, error) {
	// One transaction: a consistent snapshot even while others append.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("incident %d: read: %w", id, err)
	}
	defer tx.Rollback()
	return s.get(ctx, tx, id)
}

func (s *Store) get(ctx context.Context, q querier, id int64) (*Incident, error) {
	inc := &Incident{ID: id}
	var kind, headerHash string
	err := q.QueryRowContext(ctx, sqlfiles.Query("incident_header"), id).Scan(&inc.Origin, &inc.DetectedAt, &kind, &inc.DetectedBy, &inc.CreatedAt, &headerHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("incident %d: %w (see `takt incident list`)", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("incident %d: read: %w", id, err)
	}
	inc.DetectedByKind = DetectorKind(kind)
	var sev, status string
	var closed sql.NullTime
	if err := q.QueryRowContext(ctx, sqlfiles.Query("incident_state"), id).Scan(&inc.Title, &sev, &status,
		&inc.CustomerImpact, &inc.Trigger, &closed, &inc.UpdatedAt, &inc.Events); err != nil {
		return nil, fmt.Errorf("incident %d: read: %w", id, err)
	}
	inc.Severity, inc.Status = Severity(sev), Status(status)
	if closed.Valid {
		inc.ClosedAt = closed.Time
	}
	events, err := events(ctx, q, id, "incident_events")
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		entry := Entry{Seq: e.Seq, Text: e.Text, RecordedAt: e.RecordedAt, Mentions: e.Mentions}
		switch e.Kind {
		case EventCause:
			inc.Causes = append(inc.Causes, entry)
		case EventSafeguardWorked:
			inc.SafeguardsWorked = append(inc.SafeguardsWorked, entry)
		case EventSafeguardMissing:
			inc.SafeguardsMissing = append(inc.SafeguardsMissing, entry)
		}
		if len(e.Mentions) > 0 {
			inc.Flags = append(inc.Flags, Flag{Seq: e.Seq, Kind: e.Kind, Mentions: e.Mentions, Prompt: Prompt(e.Kind, e.Mentions)})
		}
	}
	if inc.FollowUps, err = readFollowUps(ctx, q, id, s.clock()); err != nil {
		return nil, err
	}
	if inc.Links, err = readLinks(ctx, q, id); err != nil {
		return nil, err
	}
	for _, l := range inc.Links {
		if l.Kind == LinkKPIMonth {
			inc.Months = append(inc.Months, l.Ref)
		}
	}
	rows, err := q.QueryContext(ctx, sqlfiles.Query("incident_detection_keys"), id)
	if err != nil {
		return nil, fmt.Errorf("incident %d: read detections: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		inc.Detections = append(inc.Detections, k)
	}
	return inc, rows.Err()
}

// Timeline returns an incident's events in the order things happened
// (then in the order they were recorded).
func (s *Store) Timeline(ctx context.Context, id int64) ([]Event, error) {
	evs, err := events(ctx, s.db, id, "incident_timeline")
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("incident %d: %w (see `takt incident list`)", id, ErrNotFound)
	}
	return evs, nil
}

func events(ctx context.Context, q querier, id int64, query string) ([]Event, error) {
	rows, err := q.QueryContext(ctx, sqlfiles.Query(query), id)
	if err != nil {
		return nil, fmt.Errorf("incident %d: read events: %w", id, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e := Event{IncidentID: id}
		var kind string
		var text, value, refKind, role, mentions sql.NullString
		var followUp sql.NullInt64
		var due sql.NullTime
		if err := rows.Scan(&e.Seq, &kind, &e.OccurredAt, &e.RecordedAt, &e.Author, &text, &value, &refKind,
			&followUp, &role, &due, &mentions, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("incident %d: read events: %w", id, err)
		}
		e.Kind = EventKind(kind)
		e.Text, e.Value, e.RefKind, e.OwnerRole = text.String, value.String, refKind.String, role.String
		e.FollowUp = int(followUp.Int64)
		if due.Valid {
			e.DueOn = due.Time.UTC()
		}
		e.OccurredAt, e.RecordedAt = e.OccurredAt.UTC(), e.RecordedAt.UTC()
		if mentions.Valid {
			if err := json.Unmarshal([]byte(mentions.String), &e.Mentions); err != nil {
				return nil, fmt.Errorf("incident %d: event %d: mentions: %w", id, e.Seq, err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func readFollowUps(ctx context.Context, q querier, id int64, asOf time.Time) ([]FollowUp, error) {
	rows, err := q.QueryContext(ctx, sqlfiles.Query("incident_follow_ups"), id, asOf.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("incident %d: read follow-ups: %w", id, err)
	}
	defer rows.Close()
	var out []FollowUp
	for rows.Next() {
		var f FollowUp
		var status string
		if err := rows.Scan(&f.Number, &f.Action, &f.OwnerRole, &f.Due, &status, &f.AddedAt, &f.Overdue); err != nil {
			return nil, fmt.Errorf("incident %d: read follow-ups: %w", id, err)
		}
		f.Status = FollowUpStatus(status)
		f.Due = f.Due.UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

func readLinks(ctx context.Context, q querier, id int64) ([]Link, error) {
	rows, err := q.QueryContext(ctx, sqlfiles.Query("incident_links"), id)
	if err != nil {
		return nil, fmt.Errorf("incident %d: read links: %w", id, err)
	}
	defer rows.Close()
	var out []Link
	for rows.Next() {
		var kind, ref string
		if err := rows.Scan(&kind, &ref); err != nil {
			return nil, err
		}
		out = append(out, Link{Kind: LinkKind(kind), Ref: ref})
	}
	return out, rows.Err()
}

// Filter selects incidents for List.
type Filter struct {
	// Status keeps incidents in this status; empty keeps all.
	Status Status
	// Month keeps incidents that touched this KPI month (YYYY-MM).
	Month string
	// Overdue keeps incidents, closed ones included, with at least one
	// open follow-up past its due date.
	Overdue bool
	// AsOf is the day that decides what is overdue; zero means today.
	AsOf time.Time
}

// Summary is an incident's line in a list.
type Summary struct {
	ID               int64
	Origin           string
	Title            string
	Severity         Severity
	Status           Status
	DetectedAt       time.Time
	CustomerImpact   string
	ClosedAt         time.Time
	OpenFollowUps    int
	OverdueFollowUps int
	Months           []string
}

// List returns the incidents the filter selects, oldest first.
func (s *Store) List(ctx context.Context, f Filter) ([]Summary, error) {
	var status, month any
	if f.Status != "" {
		st, err := ParseStatus(string(f.Status))
		if err != nil {
			return nil, err
		}
		status = string(st)
	}
	if f.Month != "" {
		if !monthRe.MatchString(f.Month) {
			return nil, fmt.Errorf("month %q: expected a month like 2026-10", f.Month)
		}
		month = f.Month
	}
	asOf := f.AsOf
	if asOf.IsZero() {
		asOf = s.clock()
	}
	rows, err := s.db.QueryContext(ctx, sqlfiles.Query("incident_list"), status, month, f.Overdue, asOf.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("incident: list: %w", err)
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		var r Summary
		var sev, st, months string
		var closed sql.NullTime
		if err := rows.Scan(&r.ID, &r.Origin, &r.Title, &sev, &st, &r.DetectedAt, &r.CustomerImpact, &closed,
			&r.OpenFollowUps, &r.OverdueFollowUps, &months); err != nil {
			return nil, fmt.Errorf("incident: list: %w", err)
		}
		r.Severity, r.Status = Severity(sev), Status(st)
		if closed.Valid {
			r.ClosedAt = closed.Time
		}
		if err := json.Unmarshal([]byte(months), &r.Months); err != nil {
			return nil, fmt.Errorf("incident %d: months: %w", r.ID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// MonthIncident is an incident on one KPI month, for the markers on the
// KPI charts and the Excel pack.
type MonthIncident struct {
	Month            string // YYYY-MM
	ID               int64
	Title            string
	Severity         Severity
	Status           Status
	CustomerImpact   string
	OpenFollowUps    int
	DoneFollowUps    int
	DroppedFollowUps int
	OverdueFollowUps int
}

// FollowUpState sums up the follow-ups in one word: none, overdue, open
// or done.
func (m MonthIncident) FollowUpState() string {
	switch {
	case m.OpenFollowUps+m.DoneFollowUps+m.DroppedFollowUps == 0:
		return "none"
	case m.OverdueFollowUps > 0:
		return "overdue"
	case m.OpenFollowUps > 0:
		return "open"
	}
	return "done"
}

// ByMonth returns the incidents that touched each KPI month from first to
// last (YYYY-MM, inclusive), by month then incident; dismissed drafts are
// left out. asOf decides what is overdue; zero means today.
func (s *Store) ByMonth(ctx context.Context, first, last string, asOf time.Time) ([]MonthIncident, error) {
	for _, m := range []string{first, last} {
		if !monthRe.MatchString(m) {
			return nil, fmt.Errorf("month %q: expected a month like 2026-10", m)
		}
	}
	if asOf.IsZero() {
		asOf = s.clock()
	}
	rows, err := s.db.QueryContext(ctx, sqlfiles.Query("incident_by_month"), first, last, asOf.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("incident: by month: %w", err)
	}
	defer rows.Close()
	var out []MonthIncident
	for rows.Next() {
		var m MonthIncident
		var sev, st string
		if err := rows.Scan(&m.Month, &m.ID, &m.Title, &sev, &st, &m.CustomerImpact, &m.OpenFollowUps,
			&m.DoneFollowUps, &m.DroppedFollowUps, &m.OverdueFollowUps); err != nil {
			return nil, fmt.Errorf("incident: by month: %w", err)
		}
		m.Severity, m.Status = Severity(sev), Status(st)
		out = append(out, m)
	}
	return out, rows.Err()
}

// ErrTampered is returned by Verify when the stored history does not
// match its hashes.
var ErrTampered = errors.New("incident history does not match its hashes")

// Verify recomputes an incident's hash chain: the header, then every event
// in order. It names the first record that was changed, removed or
// reordered outside takt.
func (s *Store) Verify(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("incident %d: read: %w", id, err)
	}
	defer tx.Rollback()
	var origin, kind, by, stored string
	var detected, created time.Time
	err = tx.QueryRowContext(ctx, sqlfiles.Query("incident_header"), id).Scan(&origin, &detected, &kind, &by, &created, &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("incident %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("incident %d: read: %w", id, err)
	}
	prev := headerHash(id, origin, detected, kind, by, created)
	if prev != stored {
		return fmt.Errorf("incident %d: header: %w", id, ErrTampered)
	}
	evs, err := events(ctx, tx, id, "incident_events")
	if err != nil {
		return err
	}
	for i, e := range evs {
		if e.Seq != i+1 {
			return fmt.Errorf("incident %d: event %d is missing: %w", id, i+1, ErrTampered)
		}
		if e.PrevHash != prev {
			return fmt.Errorf("incident %d: event %d does not follow event %d: %w", id, e.Seq, e.Seq-1, ErrTampered)
		}
		if eventHash(&e, mentionsJSON(e.Mentions)) != e.Hash {
			return fmt.Errorf("incident %d: event %d was changed: %w", id, e.Seq, ErrTampered)
		}
		prev = e.Hash
	}
	return nil
}
