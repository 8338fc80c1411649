package incident

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	sqlfiles "github.com/takt-billing/takt/sql"
)

// ErrNotFound is returned for an incident number that does not exist.
var ErrNotFound = errors.New("no such incident")

// ErrNothingToRecord is returned for an update that holds no change.
var ErrNothingToRecord = errors.New("nothing to record")

// Store reads and appends to the incident log. It is safe for concurrent
// use: appends that race on the same incident are retried.
type Store struct {
	db     *sql.DB
	logger *slog.Logger
	now    func() time.Time
	roles  []string
}

// Options configure a Store.
type Options struct {
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// FollowUpRoles, when not empty, are the only owner roles a follow-up
	// accepts (compared without regard to case).
	FollowUpRoles []string
}

// NewStore returns a store on an open warehouse.
func NewStore(db *sql.DB, opts Options) *Store {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{db: db, logger: opts.Logger, now: opts.Now, roles: opts.FollowUpRoles}
}

// NewIncident is what opening an incident records.
type NewIncident struct {
	Title    string
	Severity Severity
	// DetectedAt is when the problem was noticed; zero means now.
	DetectedAt     time.Time
	DetectedByKind DetectorKind
	// DetectedBy names who or what noticed it: a role or name, a job, a
	// rule.
	DetectedBy string
	// Author is who writes the record.
	Author string
	// Status is open for incidents people open, draft for rules' ones;
	// empty means open.
	Status Status
	// Changes hold everything else known at the start: impact, trigger,
	// causes, safeguards, follow-ups, links, a first note. Their Title,
	// Severity and Status are ignored.
	Changes Changes
	origin  string
}

// Changes are additions to an incident's record, each appended to its
// timeline as its own event. Empty fields add nothing.
type Changes struct {
	// At is when the noted things happened; zero means now.
	At                time.Time
	Title             string
	Severity          Severity
	Status            Status
	Impact            string
	Trigger           string
	Causes            []string
	SafeguardsWorked  []string
	SafeguardsMissing []string
	FollowUps         []NewFollowUp
	FollowUpStatuses  []FollowUpChange
	Links             []Link
	Unlinks           []Link
	Note              string
}

// NewFollowUp is an action to prevent a repeat, owned by a role.
type NewFollowUp struct {
	Action    string
	OwnerRole string
	Due       time.Time
}

// FollowUpChange moves a follow-up to another status.
type FollowUpChange struct {
	Number int
	Status FollowUpStatus
}

// Open records a new incident and returns it as stored.
func (s *Store) Open(ctx context.Context, n NewIncident) (*Incident, error) {
	var id int64
	people := s.people(ctx)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = s.open(ctx, tx, n, people)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// open records a new incident in tx; people are the names its texts are
// checked against (nil checks nothing).
func (s *Store) open(ctx context.Context, tx *sql.Tx, n NewIncident, people *People) (int64, error) {
	now := s.clock()
	n.Title = strings.TrimSpace(n.Title)
	if n.Title == "" {
		return 0, errors.New("incident: a title is required: name the system and the effect, e.g. \"Xero invoices missing from the October pack\"")
	}
	sev, err := ParseSeverity(string(n.Severity))
	if err != nil {
		return 0, fmt.Errorf("incident: %w", err)
	}
	n.Severity = sev
	if n.DetectedByKind == "" {
		n.DetectedByKind = ByPerson
	}
	if n.DetectedByKind, err = ParseDetectorKind(string(n.DetectedByKind)); err != nil {
		return 0, fmt.Errorf("incident: %w", err)
	}
	n.DetectedBy = strings.TrimSpace(n.DetectedBy)
	if n.DetectedBy == "" {
		n.DetectedBy = strings.TrimSpace(n.Author)
	}
	if n.DetectedBy == "" {
		return 0, errors.New("incident: say who or what detected it (--detected-by: a role, a job or a rule)")
	}
	if n.Author = strings.TrimSpace(n.Author); n.Author == "" {
		return 0, errors.New("incident: the author of the record is required (--by)")
	}
	if n.Status == "" {
		n.Status = Open
	}
	if n.Status != Open && n.Status != Draft {
		return 0, fmt.Errorf("incident: a new incident starts open or as a draft, not %s", n.Status)
	}
	if n.origin == "" {
		n.origin = "manual"
	}
	detected := micro(n.DetectedAt)
	if detected.IsZero() {
		detected = now
	}
	if detected.After(now) {
		return 0, fmt.Errorf("incident: detected at %s lies in the future", detected.Format(time.RFC3339))
	}
	var id int64
	if err := tx.QueryRowContext(ctx, sqlfiles.Query("incident_next_id")).Scan(&id); err != nil {
		return 0, fmt.Errorf("incident: new id: %w", err)
	}
	h := headerHash(id, n.origin, detected, string(n.DetectedByKind), n.DetectedBy, now)
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("incident_insert"), id, n.origin, detected,
		string(n.DetectedByKind), n.DetectedBy, now, h); err != nil {
		return 0, fmt.Errorf("incident %d: record: %w", id, err)
	}
	st := &state{id: id, lastHash: h, followUps: map[int]FollowUpStatus{}, links: map[Link]bool{}}
	opened := fmt.Sprintf("Detected by %s %s.", n.DetectedByKind, n.DetectedBy)
	if n.origin == "automatic" {
		opened = fmt.Sprintf("Opened as a draft by rule %s.", n.DetectedBy)
	}
	evs := []Event{
		{Kind: EventOpened, OccurredAt: detected, Text: opened, Value: n.origin},
		{Kind: EventTitle, Text: n.Title},
		{Kind: EventSeverity, Value: string(n.Severity)},
		{Kind: EventStatus, Value: string(n.Status)},
	}
	c := n.Changes
	c.Title, c.Severity, c.Status = "", "", ""
	more, err := s.build(ctx, tx, st, c)
	if err != nil && !errors.Is(err, ErrNothingToRecord) {
		return 0, err
	}
	evs = append(evs, more...)
	at := micro(n.Changes.At)
	if at.IsZero() {
		at = now
	}
	if at.After(now) {
		return 0, fmt.Errorf("incident: %s lies in the future", at.Format(time.RFC3339))
	}
	for i := range evs {
		if evs[i].OccurredAt.IsZero() {
			evs[i].OccurredAt = at
		}
	}
	return id, s.write(ctx, tx, st, n.Author, now, people, evs)
}

// Update appends changes to an incident's record.
func (s *Store) Update(ctx context.Context, id int64, author string, c Changes) (*Incident, error) {
	author = strings.TrimSpace(author)
	if author == "" {
		return nil, errors.New("incident: the author of the entry is required (--by)")
	}
	people := s.people(ctx)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		st, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		evs, err := s.build(ctx, tx, st, c)
		if err != nil {
			return err
		}
		now := s.clock()
		at := micro(c.At)
		if at.IsZero() {
			at = now
		}
		if at.After(now) {
			return fmt.Errorf("incident %d: %s lies in the future", id, at.Format(time.RFC3339))
		}
		for i := range evs {
			evs[i].OccurredAt = at
		}
		return s.write(ctx, tx, st, author, now, people, evs)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Close closes an incident (or dismisses a draft that was not one), with
// an optional closing note.
func (s *Store) Close(ctx context.Context, id int64, author, note string, dismiss bool) (*Incident, error) {
	st := Closed
	if dismiss {
		st = Dismissed
	}
	return s.Update(ctx, id, author, Changes{Status: st, Note: note})
}

// state is what validating an update needs to know of an incident.
type state struct {
	id        int64
	lastSeq   int
	lastHash  string
	status    Status
	followUps map[int]FollowUpStatus
	links     map[Link]bool
}

func (s *Store) load(ctx context.Context, q querier, id int64) (*state, error) {
	st := &state{id: id, followUps: map[int]FollowUpStatus{}, links: map[Link]bool{}}
	err := q.QueryRowContext(ctx, sqlfiles.Query("incident_last_event"), id).Scan(&st.lastSeq, &st.lastHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("incident %d: %w (see `takt incident list`)", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("incident %d: read: %w", id, err)
	}
	var title, sev, status, impact, trigger string
	var closed sql.NullTime
	var updated time.Time
	var events int
	if err := q.QueryRowContext(ctx, sqlfiles.Query("incident_state"), id).Scan(&title, &sev, &status, &impact, &trigger, &closed, &updated, &events); err != nil {
		return nil, fmt.Errorf("incident %d: read: %w", id, err)
	}
	st.status = Status(status)
	fus, err := readFollowUps(ctx, q, id, s.clock())
	if err != nil {
		return nil, err
	}
	for _, f := range fus {
		st.followUps[f.Number] = f.Status
	}
	links, err := readLinks(ctx, q, id)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		st.links[l] = true
	}
	return st, nil
}

// build validates changes against the incident's state and turns them
// into events, in a fixed order.
func (s *Store) build(ctx context.Context, q querier, st *state, c Changes) ([]Event, error) {
	var evs []Event
	if t := strings.TrimSpace(c.Title); t != "" {
		evs = append(evs, Event{Kind: EventTitle, Text: t})
	}
	if c.Severity != "" {
		sev, err := ParseSeverity(string(c.Severity))
		if err != nil {
			return nil, fmt.Errorf("incident %d: %w", st.id, err)
		}
		evs = append(evs, Event{Kind: EventSeverity, Value: string(sev)})
	}
	if c.Status != "" {
		next, err := ParseStatus(string(c.Status))
		if err != nil {
			return nil, fmt.Errorf("incident %d: %w", st.id, err)
		}
		if next == st.status {
			return nil, fmt.Errorf("incident %d is already %s", st.id, next)
		}
		if st.status != "" && !st.status.CanMoveTo(next) {
			return nil, fmt.Errorf("incident %d is %s; it can move to %s, not to %s", st.id, st.status, joinStatuses(transitions[st.status]), next)
		}
		evs = append(evs, Event{Kind: EventStatus, Value: string(next)})
	}
	if t := strings.TrimSpace(c.Impact); t != "" {
		evs = append(evs, Event{Kind: EventImpact, Text: t})
	}
	if t := strings.TrimSpace(c.Trigger); t != "" {
		evs = append(evs, Event{Kind: EventTrigger, Text: t})
	}
	for _, g := range []struct {
		kind  EventKind
		texts []string
	}{{EventCause, c.Causes}, {EventSafeguardWorked, c.SafeguardsWorked}, {EventSafeguardMissing, c.SafeguardsMissing}} {
		for _, t := range g.texts {
			if t = strings.TrimSpace(t); t != "" {
				evs = append(evs, Event{Kind: g.kind, Text: t})
			}
		}
	}
	next := 0
	for n := range st.followUps {
		next = max(next, n)
	}
	for _, f := range c.FollowUps {
		action, role := strings.TrimSpace(f.Action), strings.TrimSpace(f.OwnerRole)
		if action == "" {
			return nil, fmt.Errorf("incident %d: a follow-up needs an action: what will change in which system or step", st.id)
		}
		if role == "" {
			return nil, fmt.Errorf("incident %d: follow-up %q needs an owner role (a role such as Billing Lead, not a person)", st.id, action)
		}
		if len(s.roles) > 0 {
			known := slices.IndexFunc(s.roles, func(r string) bool { return strings.EqualFold(r, role) })
			if known < 0 {
				return nil, fmt.Errorf("incident %d: owner role %q is not one of the configured roles (%s); add it under incidents.follow_up_roles in takt.yaml or use one of them", st.id, role, strings.Join(s.roles, ", "))
			}
			role = s.roles[known]
		}
		if f.Due.IsZero() {
			return nil, fmt.Errorf("incident %d: follow-up %q needs a due date", st.id, action)
		}
		next++
		y, m, d := f.Due.Date()
		evs = append(evs, Event{Kind: EventFollowUp, Text: action, FollowUp: next, OwnerRole: role, DueOn: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)})
		st.followUps[next] = FollowUpOpen
	}
	for _, fc := range c.FollowUpStatuses {
		cur, ok := st.followUps[fc.Number]
		if !ok {
			return nil, fmt.Errorf("incident %d has no follow-up %d", st.id, fc.Number)
		}
		if _, err := ParseFollowUpStatus(string(fc.Status)); err != nil {
			return nil, fmt.Errorf("incident %d: %w", st.id, err)
		}
		if cur == fc.Status {
			return nil, fmt.Errorf("incident %d: follow-up %d is already %s", st.id, fc.Number, cur)
		}
		evs = append(evs, Event{Kind: EventFollowUpStatus, FollowUp: fc.Number, Value: string(fc.Status)})
		st.followUps[fc.Number] = fc.Status
	}
	for _, l := range c.Links {
		l.Ref = strings.TrimSpace(l.Ref)
		if err := l.check(); err != nil {
			return nil, fmt.Errorf("incident %d: %w", st.id, err)
		}
		if st.links[l] {
			continue
		}
		if l.Kind == LinkPipelineRun {
			n, _ := strconv.ParseInt(l.Ref, 10, 64)
			var found int
			if err := q.QueryRowContext(ctx, sqlfiles.Query("incident_run_exists"), n).Scan(&found); err != nil {
				return nil, fmt.Errorf("incident %d: look up pipeline run %d: %w", st.id, n, err)
			}
			if found == 0 {
				return nil, fmt.Errorf("incident %d: there is no pipeline run %d (ops.runs lists the runs)", st.id, n)
			}
		}
		evs = append(evs, Event{Kind: EventLink, RefKind: string(l.Kind), Value: l.Ref})
		st.links[l] = true
	}
	for _, l := range c.Unlinks {
		l.Ref = strings.TrimSpace(l.Ref)
		if !st.links[l] {
			return nil, fmt.Errorf("incident %d is not linked to %s", st.id, l)
		}
		evs = append(evs, Event{Kind: EventUnlink, RefKind: string(l.Kind), Value: l.Ref})
		delete(st.links, l)
	}
	if t := strings.TrimSpace(c.Note); t != "" {
		evs = append(evs, Event{Kind: EventNote, Text: t})
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("incident %d: %w: give a note or at least one change", st.id, ErrNothingToRecord)
	}
	return evs, nil
}

func joinStatuses(ss []Status) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, " or ")
}

// write appends events after the incident's last one, each chained to the
// one before it.
func (s *Store) write(ctx context.Context, tx *sql.Tx, st *state, author string, now time.Time, people *People, evs []Event) error {
	for i := range evs {
		e := &evs[i]
		e.IncidentID = st.id
		e.Seq = st.lastSeq + 1
		e.Author = author
		e.RecordedAt = now
		e.OccurredAt = micro(e.OccurredAt)
		switch e.Kind {
		case EventTitle, EventImpact, EventTrigger, EventCause, EventSafeguardWorked, EventSafeguardMissing, EventNote:
			e.Mentions = people.Check(e.Text)
		case EventFollowUp:
			e.Mentions = people.Check(e.Text + "\n" + e.OwnerRole)
		}
		mentions := mentionsJSON(e.Mentions)
		e.PrevHash = st.lastHash
		e.Hash = eventHash(e, mentions)
		var due any
		if !e.DueOn.IsZero() {
			due = e.DueOn
		}
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("incident_insert_event"), e.IncidentID, e.Seq, string(e.Kind),
			e.OccurredAt, e.RecordedAt, e.Author, nullable(e.Text), nullable(e.Value), nullable(e.RefKind),
			nullableInt(e.FollowUp), nullable(e.OwnerRole), due, nullable(mentions), e.PrevHash, e.Hash); err != nil {
			return fmt.Errorf("incident %d: event %d (%s): %w", st.id, e.Seq, e.Kind, err)
		}
		st.lastSeq, st.lastHash = e.Seq, e.Hash
		if len(e.Mentions) > 0 {
			s.logger.Info("incident text names a person", "incident", st.id, "seq", e.Seq, "kind", string(e.Kind), "mentions", len(e.Mentions))
		}
	}
	return nil
}

// people loads the names to check texts against, before the write's
// transaction so that it stays short. The check is advice, so a failure to
// load them is logged and the record is written unchecked.
func (s *Store) people(ctx context.Context) *People {
	p, err := LoadPeople(ctx, s.db)
	if err != nil {
		s.logger.Warn("blameless check skipped: people could not be read", "error", err)
		return nil
	}
	return p
}

func mentionsJSON(ms []Mention) string {
	if len(ms) == 0 {
		return ""
	}
	b, _ := json.Marshal(ms)
	return string(b)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullableInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

// micro cuts a time to the microseconds the warehouse keeps, in UTC, so
// the hash of what is written equals the hash of what is read back.
func micro(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

func (s *Store) clock() time.Time { return micro(s.now()) }

func headerHash(id int64, origin string, detectedAt time.Time, kind, by string, created time.Time) string {
	b, _ := json.Marshal([]any{id, origin, detectedAt.UTC().Format(time.RFC3339Nano), kind, by, created.UTC().Format(time.RFC3339Nano)})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func eventHash(e *Event, mentions string) string {
	due := ""
	if !e.DueOn.IsZero() {
		due = e.DueOn.Format(time.DateOnly)
	}
	b, _ := json.Marshal([]any{e.PrevHash, e.IncidentID, e.Seq, string(e.Kind), e.OccurredAt.UTC().Format(time.RFC3339Nano),
		e.RecordedAt.UTC().Format(time.RFC3339Nano), e.Author, e.Text, e.Value, e.RefKind, e.FollowUp, e.OwnerRole, due, mentions})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// writeLocks serialise the incident writes of one process per warehouse
// handle: the log is written rarely, and in turn no two of its writers
// race for the same next event number. Writers on other handles are
// caught by the retries.
var writeLocks sync.Map // *sql.DB -> *sync.Mutex

func writeLock(db *sql.DB) *sync.Mutex {
	mu, _ := writeLocks.LoadOrStore(db, &sync.Mutex{})
	return mu.(*sync.Mutex)
}

// maxAttempts bounds the retries of a transaction that lost a race.
const maxAttempts = 6

// inTx runs fn in a transaction and retries it, with bounded exponential
// backoff and jitter, when it lost a race with another writer (the same
// incident's next event number, the same cause's dedup key).
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	mu := writeLock(s.db)
	mu.Lock()
	defer mu.Unlock()
	delay := 5 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := s.tryTx(ctx, fn)
		if err == nil || !isConflict(err) || attempt == maxAttempts {
			return err
		}
		s.logger.Debug("incident write conflicted; retrying", "attempt", attempt, "error", err)
		wait := delay/2 + rand.N(delay)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		delay *= 2
	}
}

func (s *Store) tryTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("incident: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("incident: commit: %w", err)
	}
	return nil
}

// isConflict reports whether err means another transaction got there
// first: a write-write conflict or a duplicate key.
func isConflict(err error) bool {
	var de *duckdb.Error
	if errors.As(err, &de) {
		switch de.Type {
		case duckdb.ErrorTypeTransaction:
			return true
		case duckdb.ErrorTypeConstraint:
			return strings.Contains(de.Msg, "Duplicate key") || strings.Contains(de.Msg, "PRIMARY KEY or UNIQUE")
		}
	}
	msg := err.Error()
	return strings.Contains(msg, "write-write conflict") || strings.Contains(msg, "Conflict on") || strings.Contains(msg, "Duplicate key")
}
