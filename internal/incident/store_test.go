package incident

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/takt-billing/takt/internal/dbtest"
	"github.com/takt-billing/takt/internal/warehouse"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = mustTime(s)
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func openWarehouse(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), filepath.Join(t.TempDir(), "takt.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	return wh
}

func newStore(t *testing.T, opts Options) (*Store, *warehouse.Warehouse, *clock) {
	t.Helper()
	wh := openWarehouse(t)
	c := &clock{}
	c.Set("2026-11-03T09:00:00Z")
	opts.Now = c.Now
	return NewStore(wh.DB, opts), wh, c
}

// eventRows returns every stored event row as text, in seq order: the part of
// history that must never change once written.
func eventRows(t *testing.T, wh *warehouse.Warehouse, id int64) []string {
	t.Helper()
	return dbtest.Strings(t, wh.DB, `SELECT seq || '|' || kind || '|' || occurred_at || '|' || recorded_at || '|' || author || '|' ||
		coalesce(text, '') || '|' || coalesce(value, '') || '|' || coalesce(ref_kind, '') || '|' || coalesce(follow_up::VARCHAR, '') || '|' ||
		coalesce(owner_role, '') || '|' || coalesce(due_on::VARCHAR, '') || '|' || coalesce(person_mentions, '') || '|' || prev_hash || '|' || hash
		FROM incident.events WHERE incident_id = $1 ORDER BY seq`, id)
}

func TestOpenUpdateCloseAppendsAndNeverRewrites(t *testing.T) {
	ctx := context.Background()
	s, wh, c := newStore(t, Options{})
	c.Set("2026-11-03T09:00:00Z")
	inc, err := s.Open(ctx, NewIncident{
		Title: "October invoices missing from the pack", Severity: SEV2,
		DetectedAt: mustTime("2026-11-03T08:10:00Z"), DetectedByKind: BySchedule, DetectedBy: "monthly pack job",
		Author: "controller", Changes: Changes{
			Impact: "The October pack showed 12 invoices less than Xero",
			Links:  []Link{{LinkKPIMonth, "2026-10"}, {LinkInvoice, "INV-0042"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if inc.ID != 1 || inc.Status != Open || inc.Severity != SEV2 || inc.Title != "October invoices missing from the pack" ||
		inc.DetectedByKind != BySchedule || inc.DetectedBy != "monthly pack job" || inc.Origin != "manual" ||
		!inc.DetectedAt.Equal(mustTime("2026-11-03T08:10:00Z")) || inc.CustomerImpact != "The October pack showed 12 invoices less than Xero" ||
		!reflect.DeepEqual(inc.Months, []string{"2026-10"}) || inc.Events != 7 {
		t.Fatalf("opened: %+v", inc)
	}
	before := eventRows(t, wh, inc.ID)

	c.Set("2026-11-03T10:00:00Z")
	inc, err = s.Update(ctx, inc.ID, "controller", Changes{
		Severity: SEV3,
		Trigger:  "The Xero token expired during the run and the invoices stream stopped at page 3",
		Causes: []string{"Token refresh ran only at the start of a run",
			"The run was recorded as partial, and partial runs raise no alert"},
		SafeguardsWorked:  []string{"The pack's reconciliation sheet showed the count difference"},
		SafeguardsMissing: []string{"No check that the pack's invoice count matches Xero's"},
		FollowUps: []NewFollowUp{
			{Action: "Refresh the Xero token before expiry, not only at start", OwnerRole: "Data Engineer", Due: day("2026-11-20")},
			{Action: "Alert on partial runs before the pack job", OwnerRole: "Controller", Due: day("2026-11-10")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if inc.Severity != SEV3 || inc.Trigger != "The Xero token expired during the run and the invoices stream stopped at page 3" ||
		len(inc.Causes) != 2 || inc.Causes[1].Text != "The run was recorded as partial, and partial runs raise no alert" ||
		len(inc.SafeguardsWorked) != 1 || len(inc.SafeguardsMissing) != 1 || len(inc.FollowUps) != 2 {
		t.Fatalf("updated: %+v", inc)
	}
	f := inc.FollowUps[1]
	if f.Number != 2 || f.OwnerRole != "Controller" || !f.Due.Equal(day("2026-11-10")) || f.Status != FollowUpOpen || f.Overdue {
		t.Fatalf("follow-up: %+v", f)
	}

	c.Set("2026-11-12T10:00:00Z")
	inc, err = s.Update(ctx, inc.ID, "controller", Changes{FollowUpStatuses: []FollowUpChange{{2, FollowUpDone}}, Unlinks: []Link{{LinkInvoice, "INV-0042"}}})
	if err != nil {
		t.Fatal(err)
	}
	inc, err = s.Close(ctx, inc.ID, "controller", "Pack re-run with all invoices.", false)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Status != Closed || !inc.ClosedAt.Equal(mustTime("2026-11-12T10:00:00Z")) || inc.FollowUps[1].Status != FollowUpDone ||
		!reflect.DeepEqual(inc.Links, []Link{{LinkKPIMonth, "2026-10"}}) || inc.Severity != SEV3 {
		t.Fatalf("closed: %+v", inc)
	}
	// Every earlier row is exactly as it was written; the record only grew.
	after := eventRows(t, wh, inc.ID)
	if len(after) != inc.Events || !reflect.DeepEqual(after[:len(before)], before) {
		t.Fatalf("history was rewritten:\nbefore %q\nafter  %q", before, after[:len(before)])
	}
	// The old severity, the unlinked invoice and the open status are all
	// still on the timeline.
	tl, err := s.Timeline(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range tl {
		kinds = append(kinds, string(e.Kind)+"="+e.Value)
	}
	want := []string{"opened=manual", "title=", "severity=SEV2", "status=open", "impact=", "link=2026-10", "link=INV-0042",
		"severity=SEV3", "trigger=", "cause=", "cause=", "safeguard_worked=", "safeguard_missing=", "follow_up=", "follow_up=",
		"follow_up_status=done", "unlink=INV-0042", "status=closed", "note="}
	if !reflect.DeepEqual(kinds, want) {
		t.Fatalf("timeline:\n%q\nwant\n%q", kinds, want)
	}
	if err := s.Verify(ctx, inc.ID); err != nil {
		t.Fatal(err)
	}
}

func TestTimelineIsInTheOrderThingsHappened(t *testing.T) {
	ctx := context.Background()
	s, _, c := newStore(t, Options{})
	inc, err := s.Open(ctx, NewIncident{Title: "Rates differ from the card", Severity: SEV3, DetectedAt: mustTime("2026-11-03T08:30:00Z"), DetectedBy: "controller", Author: "controller"})
	if err != nil {
		t.Fatal(err)
	}
	c.Set("2026-11-03T11:00:00Z")
	if _, err := s.Update(ctx, inc.ID, "controller", Changes{At: mustTime("2026-11-02T16:00:00Z"), Note: "The new rate card was imported the afternoon before"}); err != nil {
		t.Fatal(err)
	}
	c.Set("2026-11-03T11:05:00Z")
	if _, err := s.Update(ctx, inc.ID, "controller", Changes{Note: "Rates corrected in Harvest"}); err != nil {
		t.Fatal(err)
	}
	c.Set("2026-11-03T11:06:00Z")
	if _, err := s.Update(ctx, inc.ID, "controller", Changes{At: mustTime("2026-11-03T08:45:00Z"), Note: "Billing run held back"}); err != nil {
		t.Fatal(err)
	}
	tl, err := s.Timeline(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tl {
		got = append(got, fmt.Sprintf("%d %s %s %s", e.Seq, e.OccurredAt.Format("01-02T15:04"), e.Kind, e.Text))
	}
	want := []string{
		"5 11-02T16:00 note The new rate card was imported the afternoon before",
		"1 11-03T08:30 opened Detected by person controller.",
		"2 11-03T09:00 title Rates differ from the card",
		"3 11-03T09:00 severity ",
		"4 11-03T09:00 status ",
		"7 11-03T08:45 note Billing run held back",
		"6 11-03T11:05 note Rates corrected in Harvest",
	}
	// occurred_at decides; seq breaks ties.
	want = []string{want[0], want[1], want[5], want[2], want[3], want[4], want[6]}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("timeline:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := s.Update(ctx, inc.ID, "controller", Changes{At: mustTime("2026-11-04T00:00:00Z"), Note: "later"}); err == nil ||
		err.Error() != "incident 1: 2026-11-04T00:00:00Z lies in the future" {
		t.Fatalf("a note in the future: %v", err)
	}
}

func TestStatusChangesFollowTheLifecycle(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t, Options{})
	inc, err := s.Open(ctx, NewIncident{Title: "Dunning run sent twice", Severity: "sev1", DetectedBy: "Head of Finance", Author: "controller"})
	if err != nil || inc.Severity != SEV1 || inc.DetectedByKind != ByPerson {
		t.Fatalf("%v %+v", err, inc)
	}
	for _, tc := range []struct {
		to   Status
		want string
	}{
		{Draft, "incident 1 is open; it can move to mitigated or closed, not to draft"},
		{Open, "incident 1 is already open"},
		{Mitigated, ""},
		{Closed, ""},
		{Mitigated, "incident 1 is closed; it can move to open, not to mitigated"},
		{Open, ""},
	} {
		_, err := s.Update(ctx, inc.ID, "controller", Changes{Status: tc.to})
		if (err == nil) != (tc.want == "") || (err != nil && err.Error() != tc.want) {
			t.Fatalf("to %s: %v, want %q", tc.to, err, tc.want)
		}
	}
	if _, err := s.Update(ctx, inc.ID, "controller", Changes{}); !errors.Is(err, ErrNothingToRecord) {
		t.Fatalf("empty update: %v", err)
	}
	if _, err := s.Update(ctx, 99, "controller", Changes{Note: "x"}); !errors.Is(err, ErrNotFound) || err.Error() != "incident 99: no such incident (see `takt incident list`)" {
		t.Fatalf("unknown incident: %v", err)
	}
	if _, err := s.Update(ctx, inc.ID, "controller", Changes{Links: []Link{{LinkPipelineRun, "7"}}}); err == nil ||
		err.Error() != "incident 1: there is no pipeline run 7 (ops.runs lists the runs)" {
		t.Fatalf("link to a missing run: %v", err)
	}
	if _, err := s.Update(ctx, inc.ID, "controller", Changes{FollowUps: []NewFollowUp{{Action: "Add a dedup check", Due: day("2026-12-01")}}}); err == nil ||
		err.Error() != `incident 1: follow-up "Add a dedup check" needs an owner role (a role such as Billing Lead, not a person)` {
		t.Fatalf("follow-up without a role: %v", err)
	}
}

func TestFollowUpRolesComeFromTheConfiguredList(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t, Options{FollowUpRoles: []string{"Controller", "Billing Lead"}})
	inc, err := s.Open(ctx, NewIncident{Title: "Milestone not invoiced", Severity: SEV2, DetectedBy: "Billing Lead", Author: "controller"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Update(ctx, inc.ID, "controller", Changes{FollowUps: []NewFollowUp{{Action: "Weekly milestone review", OwnerRole: "Anna", Due: day("2026-12-01")}}})
	if err == nil || err.Error() != `incident 1: owner role "Anna" is not one of the configured roles (Controller, Billing Lead); add it under incidents.follow_up_roles in takt.yaml or use one of them` {
		t.Fatalf("unknown role: %v", err)
	}
	inc, err = s.Update(ctx, inc.ID, "controller", Changes{FollowUps: []NewFollowUp{{Action: "Weekly milestone review", OwnerRole: "billing lead", Due: day("2026-12-01")}}})
	if err != nil || inc.FollowUps[0].OwnerRole != "Billing Lead" {
		t.Fatalf("known role: %v %+v", err, inc)
	}
}

func TestOverdueFollowUpsOfClosedIncidentsAreListed(t *testing.T) {
	ctx := context.Background()
	s, _, c := newStore(t, Options{})
	open := func(title string, due string) int64 {
		inc, err := s.Open(ctx, NewIncident{Title: title, Severity: SEV3, DetectedBy: "controller", Author: "controller", Changes: Changes{
			FollowUps: []NewFollowUp{{Action: "Fix " + title, OwnerRole: "Controller", Due: day(due)}},
			Links:     []Link{{LinkKPIMonth, "2026-10"}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		return inc.ID
	}
	a := open("a", "2026-11-05") // closed, follow-up overdue
	b := open("b", "2026-11-05") // closed, follow-up done
	d := open("d", "2026-11-30") // closed, follow-up not due yet
	e := open("e", "2026-11-05") // still open, overdue too
	for _, id := range []int64{a, b, d} {
		if _, err := s.Close(ctx, id, "controller", "", false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Update(ctx, b, "controller", Changes{FollowUpStatuses: []FollowUpChange{{1, FollowUpDone}}}); err != nil {
		t.Fatal(err)
	}
	c.Set("2026-11-06T09:00:00Z")
	got, err := s.List(ctx, Filter{Overdue: true})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, fmt.Sprintf("%d:%s:%d/%d", r.ID, r.Status, r.OverdueFollowUps, r.OpenFollowUps))
	}
	if want := []string{fmt.Sprintf("%d:closed:1/1", a), fmt.Sprintf("%d:open:1/1", e)}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("overdue: %v, want %v", ids, want)
	}
	closed, err := s.List(ctx, Filter{Status: Closed, Overdue: true})
	if err != nil || len(closed) != 1 || closed[0].ID != a {
		t.Fatalf("closed and overdue: %v %+v", err, closed)
	}
	// The day before the due date nothing is overdue.
	got, err = s.List(ctx, Filter{Overdue: true, AsOf: day("2026-11-05")})
	if err != nil || len(got) != 0 {
		t.Fatalf("as of the due date: %v %+v", err, got)
	}
	inc, err := s.Get(ctx, a)
	if err != nil || !inc.FollowUps[0].Overdue {
		t.Fatalf("get: %v %+v", err, inc)
	}
	months, err := s.ByMonth(ctx, "2026-10", "2026-10", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, m := range months {
		states = append(states, fmt.Sprintf("%s %d %s %s %s", m.Month, m.ID, m.Title, m.Status, m.FollowUpState()))
	}
	if want := []string{"2026-10 1 a closed overdue", "2026-10 2 b closed done", "2026-10 3 d closed open", "2026-10 4 e open overdue"}; !reflect.DeepEqual(states, want) {
		t.Fatalf("by month:\n%q\nwant\n%q", states, want)
	}
}

func TestVerifyNamesTheFirstChangedEvent(t *testing.T) {
	ctx := context.Background()
	s, wh, _ := newStore(t, Options{})
	inc, err := s.Open(ctx, NewIncident{Title: "Payment applied to the wrong invoice", Severity: SEV2, DetectedBy: "controller", Author: "controller",
		Changes: Changes{Causes: []string{"Two open invoices had the same amount and reference"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(ctx, inc.ID); err != nil {
		t.Fatal(err)
	}
	// A change made behind takt's back, straight in the database.
	if _, err := wh.DB.Exec("UPDATE incident.events SET text = 'Someone was careless' WHERE incident_id = $1 AND seq = 5", inc.ID); err != nil {
		t.Fatal(err)
	}
	err = s.Verify(ctx, inc.ID)
	if !errors.Is(err, ErrTampered) || err.Error() != "incident 1: event 5 was changed: incident history does not match its hashes" {
		t.Fatalf("verify after a change: %v", err)
	}
	if _, err := wh.DB.Exec("DELETE FROM incident.events WHERE incident_id = $1 AND seq = 3", inc.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(ctx, inc.ID); err == nil || err.Error() != "incident 1: event 3 is missing: incident history does not match its hashes" {
		t.Fatalf("verify after a delete: %v", err)
	}
}

func TestConcurrentNotesAllLandInOrder(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t, Options{})
	inc, err := s.Open(ctx, NewIncident{Title: "Harvest outage", Severity: SEV3, DetectedBy: "controller", Author: "controller"})
	if err != nil {
		t.Fatal(err)
	}
	const writers = 6
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Update(ctx, inc.ID, "controller", Changes{Note: fmt.Sprintf("note %d", i)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Get(ctx, inc.ID)
	if err != nil || got.Events != 4+writers {
		t.Fatalf("%v: %d events, want %d", err, got.Events, 4+writers)
	}
	if err := s.Verify(ctx, inc.ID); err != nil {
		t.Fatal(err)
	}
}

func TestLostRacesAreRecognisedAsConflicts(t *testing.T) {
	ctx := context.Background()
	wh := openWarehouse(t)
	if _, err := wh.DB.Exec("CREATE TABLE main.k (k INTEGER PRIMARY KEY, v VARCHAR NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if _, err := wh.DB.Exec("INSERT INTO main.k VALUES (1, 'a')"); err != nil {
		t.Fatal(err)
	}
	_, dup := wh.DB.Exec("INSERT INTO main.k VALUES (1, 'b')")
	// Two transactions writing the same key: the second loses.
	tx1, err := wh.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback()
	if _, err := tx1.Exec("INSERT INTO main.k VALUES (2, 'a')"); err != nil {
		t.Fatal(err)
	}
	tx2, err := wh.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback()
	_, race := tx2.Exec("INSERT INTO main.k VALUES (2, 'b')")
	if race == nil {
		if err := tx1.Commit(); err != nil {
			t.Fatal(err)
		}
		race = tx2.Commit()
	}
	_, notNull := wh.DB.Exec("INSERT INTO main.k VALUES (3, NULL)")
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{{"duplicate key", dup, true}, {"concurrent insert", race, true}, {"not null", notNull, false}} {
		if tc.err == nil || isConflict(tc.err) != tc.want {
			t.Errorf("%s: %v: conflict %v, want %v", tc.name, tc.err, isConflict(tc.err), tc.want)
		}
	}
}
